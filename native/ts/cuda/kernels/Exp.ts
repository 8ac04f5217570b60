import { Exp } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const expKernel = unaryKernel(Exp, "exp");
