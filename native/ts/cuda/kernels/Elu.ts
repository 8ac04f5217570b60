import { Elu } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const eluKernel = unaryKernel(Elu, "elu");
