import { Min, type MinAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { reduce } from "./reduce_util.ts";
import { cudaKernel } from "./util.ts";

export const minKernel = cudaKernel(Min, ({ inputs, attrs, backend }) => {
  const { axis, keepDims } = attrs as unknown as MinAttrs;
  return reduce(backend, inputs.x as TensorInfo, axis, keepDims, "min");
});
