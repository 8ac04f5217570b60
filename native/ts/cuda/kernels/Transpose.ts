import { type TensorInfo, Transpose, type TransposeAttrs } from "@tensorflow/tfjs-core";
import { stridedParams } from "./strided.ts";
import { cudaKernel, dtypeCode, stridesOf } from "./util.ts";

export const transposeKernel = cudaKernel(Transpose, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const { perm } = attrs as unknown as TransposeAttrs;
  const code = dtypeCode(x.dtype);
  if (code === null) return "dtype";
  const strides = stridesOf(x.shape);
  const shape = perm.map((a) => x.shape[a] as number);
  const p = stridedParams(
    shape,
    perm.map((a) => strides[a] as number),
    0,
  );
  if (p === null) return "rank > 6";
  return backend.output(shape, x.dtype, (y) =>
    backend.kernels.stridedCopy(backend.id(x), y, code, p),
  );
});
