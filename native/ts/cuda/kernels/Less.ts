import { Less } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const lessKernel = binaryKernel(Less, "less");
