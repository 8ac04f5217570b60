import { Sub } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const subKernel = binaryKernel(Sub, "sub");
