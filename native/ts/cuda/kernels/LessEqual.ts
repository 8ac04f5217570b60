import { LessEqual } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const lessEqualKernel = binaryKernel(LessEqual, "lessEqual");
