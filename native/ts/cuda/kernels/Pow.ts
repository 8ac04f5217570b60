import { Pow } from "@tensorflow/tfjs-core";
import { binaryKernel } from "./binary.ts";

export const powKernel = binaryKernel(Pow, "pow");
