import { Reverse, type ReverseAttrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { stridedParams } from "./strided.ts";
import { cudaKernel, dtypeCode, stridesOf } from "./util.ts";

/**
 * One strided copy with negative strides on the reversed axes (caffe preprocessing's
 * RGB -> BGR is a Reverse of the channel axis: without this it was a host round trip per batch).
 */
export const reverseKernel = cudaKernel(Reverse, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const { dims } = attrs as unknown as ReverseAttrs;
  const code = dtypeCode(x.dtype);
  if (code === null) return "dtype";
  const axes = new Set(util.parseAxisParam(dims, x.shape));
  const strides = stridesOf(x.shape);
  let offset = 0;
  const inStrides = x.shape.map((d, a) => {
    const s = strides[a] as number;
    if (!axes.has(a) || d <= 1) return s;
    offset += (d - 1) * s;
    return -s;
  });
  const p = stridedParams(x.shape, inStrides, offset);
  if (p === null) return "rank > 6";
  return backend.output([...x.shape], x.dtype, (y) =>
    backend.kernels.stridedCopy(backend.id(x), y, code, p),
  );
});
