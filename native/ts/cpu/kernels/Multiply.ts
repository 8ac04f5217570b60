import { Multiply } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const multiplyKernel = binaryKernel(Multiply, "mul");
