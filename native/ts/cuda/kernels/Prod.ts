import { Prod, type ProdAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { reduce } from "./reduce_util.ts";
import { cudaKernel } from "./util.ts";

export const prodKernel = cudaKernel(Prod, ({ inputs, attrs, backend }) => {
  const { axis, keepDims } = attrs as unknown as ProdAttrs;
  return reduce(backend, inputs.x as TensorInfo, axis, keepDims, "prod");
});
