import {
  backend_util,
  SplitV,
  type SplitVAttrs,
  type SplitVInputs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs SplitV on float32 (tf.split; the gradient of every Concatenate, DenseNet's and
 * InceptionV3's): every piece copied natively, rows of the last axis, as Slice copies (where
 * tfjs-cpu makes a contiguous piece a view, graft copies it). tfjs-cpu's own SplitV slices a
 * channel split element by element.
 */
export const splitVKernel = nativeKernel(SplitV, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<SplitVInputs>;
  const { numOrSizeSplits, axis } = attrs as unknown as SplitVAttrs;
  if (!backend.allF32(x)) return "dtype";
  const rank = x.shape.length;
  if (rank === 0) return "rank";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const $axis = util.parseAxisParam(axis, x.shape)[0] as number;
  const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
  const begin = new Array<number>(rank).fill(0);
  const xs = backend.f32(x);
  const out: TensorInfo[] = [];
  for (const s of sizes) {
    const size = [...x.shape];
    size[$axis] = s;
    const y = backend.output(size);
    if (sizeOf(size) > 0) {
      backend.native.slice(xs, y.values, Int32Array.from([rank, ...x.shape, ...begin, ...size]));
    }
    out.push(y.info);
    begin[$axis] = (begin[$axis] as number) + s;
  }
  return out;
});
