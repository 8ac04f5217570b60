import { Tanh } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const tanhKernel = unaryKernel(Tanh, "tanh");
