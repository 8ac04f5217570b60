import { GreaterEqual } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const greaterEqualKernel = binaryKernel(GreaterEqual, "greaterEqual");
