import { Neg } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const negKernel = unaryKernel(Neg, "neg");
