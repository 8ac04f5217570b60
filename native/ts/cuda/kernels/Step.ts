import { Step } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const stepKernel = unaryKernel(Step, "step", (a) => [Number(a.alpha ?? 0), 0]);
