import { Log1p } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const log1pKernel = unaryKernel(Log1p, "log1p");
