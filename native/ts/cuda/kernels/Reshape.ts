import { Reshape, type ReshapeAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { cudaKernel } from "./util.ts";

/** A reference-count alias with a new shape, never a copy. */
export const reshapeKernel = cudaKernel(Reshape, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const { shape } = attrs as unknown as ReshapeAttrs;
  const size = util.sizeFromShape(x.shape);
  const $shape = util.inferFromImplicitShape(shape, size);
  if (util.sizeFromShape($shape) !== size) return "size mismatch"; // tfjs-cpu raises the error
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: $shape, dtype: x.dtype };
});
