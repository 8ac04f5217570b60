import { Identity, type TensorInfo } from "@tensorflow/tfjs-core";
import { cudaKernel } from "./util.ts";

/** A reference-count alias, never a copy (the engine clones every tensor saved for backprop). */
export const identityKernel = cudaKernel(Identity, ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
});
