import { Slice, type SliceAttrs, type SliceInputs, slice_util } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs Slice on float32 (tf.slice; the gradient of every ZeroPadding2D), natively where the
 * box is not one contiguous run of x: rows of the last axis copied. A contiguous box stays
 * tfjs-cpu's, which returns a view of x without copying.
 */
export const sliceKernel = nativeKernel(Slice, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<SliceInputs>;
  const { begin, size } = attrs as unknown as SliceAttrs;
  if (!backend.allF32(x)) return "dtype";
  const rank = x.shape.length;
  if (rank === 0) return "rank";
  const [b, s] = slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
  if (slice_util.isSliceContinous(x.shape, b, s)) return "contiguous (a view, no copy)";
  const small = smallReason(sizeOf(s));
  if (small) return small;
  if (sizeOf(s) === 0) return "empty";
  const y = backend.output(s);
  backend.native.slice(backend.f32(x), y.values, Int32Array.from([rank, ...x.shape, ...b, ...s]));
  return y.info;
});
