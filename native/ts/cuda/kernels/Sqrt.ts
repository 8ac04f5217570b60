import { Sqrt } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const sqrtKernel = unaryKernel(Sqrt, "sqrt");
