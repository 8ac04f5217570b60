import { Ceil } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const ceilKernel = unaryKernel(Ceil, "ceil");
