import { Sigmoid } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const sigmoidKernel = unaryKernel(Sigmoid, "sigmoid");
