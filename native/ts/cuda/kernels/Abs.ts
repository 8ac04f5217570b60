import { Abs } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const absKernel = unaryKernel(Abs, "abs");
