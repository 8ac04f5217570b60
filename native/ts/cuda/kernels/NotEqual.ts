import { NotEqual } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const notEqualKernel = binaryKernel(NotEqual, "notEqual");
