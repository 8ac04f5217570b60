import { OnesLike, type TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

export const onesLikeKernel = cudaKernel(OnesLike, ({ inputs, backend }) => {
  const x = inputs.x as TensorInfo;
  const code = dtypeCode(x.dtype);
  if (code === null) return "dtype";
  return backend.output(x.shape, x.dtype, (y) => backend.kernels.fill(y, code, sizeOf(x.shape), 1));
});
