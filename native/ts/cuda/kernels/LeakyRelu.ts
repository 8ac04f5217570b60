import { LeakyRelu } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const leakyReluKernel = unaryKernel(LeakyRelu, "leakyrelu", (a) => [
  Number(a.alpha ?? 0.2),
  0,
]);
