import { SquaredDifference } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const squaredDifferenceKernel = binaryKernel(SquaredDifference, "squaredDiff");
