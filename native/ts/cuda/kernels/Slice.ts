import { Slice, type SliceAttrs, slice_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { stridedParams } from "./strided.ts";
import { cudaKernel, dtypeCode, stridesOf } from "./util.ts";

/** A strided copy of the window (tfjs-cpu returns a view; here the window is copied once on the device). */
export const sliceKernel = cudaKernel(Slice, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const { begin, size } = attrs as unknown as SliceAttrs;
  const code = dtypeCode(x.dtype);
  if (code === null) return "dtype";
  const [$begin, $size] = slice_util.parseSliceParams(x as never, begin, size) as [
    number[],
    number[],
  ];
  slice_util.assertParamsValid(x as never, $begin, $size);
  const strides = stridesOf(x.shape);
  const offset = $begin.reduce((acc, b, i) => acc + b * (strides[i] as number), 0);
  const p = stridedParams($size, strides, offset);
  if (p === null) return "rank > 6";
  return backend.output($size, x.dtype, (y) =>
    backend.kernels.stridedCopy(backend.id(x), y, code, p),
  );
});
