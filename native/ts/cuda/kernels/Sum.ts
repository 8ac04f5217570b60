import { Sum, type SumAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { reduce } from "./reduce_util.ts";
import { cudaKernel } from "./util.ts";

export const sumKernel = cudaKernel(Sum, ({ inputs, attrs, backend }) => {
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  return reduce(backend, inputs.x as TensorInfo, axis, keepDims, "sum");
});
