import { Select, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

/** y = condition ? t : e, all three the same shape (a rank-1 condition over rows falls back). */
export const selectKernel = cudaKernel(Select, ({ inputs, backend }) => {
  const c = inputs.condition as TensorInfo;
  const t = inputs.t as TensorInfo;
  const e = inputs.e as TensorInfo;
  const code = dtypeCode(t.dtype);
  if (code === null || t.dtype !== e.dtype || c.dtype !== "bool") return "dtype";
  if (!util.arraysEqual(c.shape, t.shape) || !util.arraysEqual(t.shape, e.shape))
    return "condition broadcast";
  return backend.output(t.shape, t.dtype, (y) =>
    backend.kernels.select(backend.id(c), backend.id(t), backend.id(e), y, code, sizeOf(t.shape)),
  );
});
