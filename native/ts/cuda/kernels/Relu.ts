import { Relu } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const reluKernel = unaryKernel(Relu, "relu");
