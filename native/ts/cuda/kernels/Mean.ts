import { Mean, type MeanAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { reduce } from "./reduce_util.ts";
import { cudaKernel } from "./util.ts";

export const meanKernel = cudaKernel(Mean, ({ inputs, attrs, backend }) => {
  const { axis, keepDims } = attrs as unknown as MeanAttrs;
  return reduce(backend, inputs.x as TensorInfo, axis, keepDims, "mean");
});
