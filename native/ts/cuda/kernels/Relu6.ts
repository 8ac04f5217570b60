import { Relu6 } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const relu6Kernel = unaryKernel(Relu6, "relu6");
