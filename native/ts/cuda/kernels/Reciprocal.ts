import { Reciprocal } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const reciprocalKernel = unaryKernel(Reciprocal, "reciprocal");
