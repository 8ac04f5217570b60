import { Max, type MaxAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { reduce } from "./reduce_util.ts";
import { cudaKernel } from "./util.ts";

export const maxKernel = cudaKernel(Max, ({ inputs, attrs, backend }) => {
  const { reductionIndices, keepDims } = attrs as unknown as MaxAttrs;
  return reduce(backend, inputs.x as TensorInfo, reductionIndices, keepDims, "max");
});
