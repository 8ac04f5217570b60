import { Rsqrt } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const rsqrtKernel = unaryKernel(Rsqrt, "rsqrt");
