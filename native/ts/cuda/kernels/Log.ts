import { Log } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const logKernel = unaryKernel(Log, "log");
