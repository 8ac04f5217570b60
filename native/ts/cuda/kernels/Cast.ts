import { Cast, type CastAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

/** float32 / int32 / bool, as tfjs-cpu: float -> int truncates (ToInt32), anything -> bool is != 0. */
export const castKernel = cudaKernel(Cast, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const { dtype } = attrs as unknown as CastAttrs;
  const from = dtypeCode(x.dtype);
  const to = dtypeCode(dtype);
  if (from === null || to === null) return "dtype";
  if (x.dtype === dtype) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  }
  return backend.output(x.shape, dtype, (y) =>
    backend.kernels.cast(backend.id(x), from, y, to, sizeOf(x.shape)),
  );
});
