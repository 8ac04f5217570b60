import { Mean, type MeanAttrs, type MeanInputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { rowReduction, sumRowsPerImage } from "./reduce_util.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * Mean over the leading axes (BatchNormalization's batch moments: [N, H, W, C] → [C]), or over
 * the axes after the first (global average pooling: [N, H, W, C] → [N, C], image by image), as
 * tfjs-cpu computes it, natively and in one pass: each x / n in float32, their sum in double,
 * rounded once — tfjs-cpu's bits on one thread; with more, per-thread partial sums are added in
 * double, which can differ from tfjs's order in the last bit in rare ties (as Sum). Other
 * reductions run tfjs-cpu's kernel.
 */
export const meanKernel = nativeKernel(Mean, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<MeanInputs>;
  const { axis, keepDims } = attrs as unknown as MeanAttrs;
  if (!backend.allF32(x)) return "dtype";
  const size = sizeOf(x.shape);
  const small = smallReason(size);
  if (small) return small;
  const r = rowReduction(x.shape, axis, keepDims);
  if (typeof r === "string") return r;
  // tfjs-cpu divides by the count as a float32.
  return sumRowsPerImage(backend, x, r, Math.fround(r.rows));
});
