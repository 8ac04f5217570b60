import { ClipByValue } from "@tensorflow/tfjs-core";
import { unaryKernel } from "./unary.ts";

export const clipByValueKernel = unaryKernel(ClipByValue, "clip", (a) => [
  Number(a.clipValueMin),
  Number(a.clipValueMax),
]);
