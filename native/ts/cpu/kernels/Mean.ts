import { Mean, type MeanAttrs, type MeanInputs, util } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * Mean over the leading axes (BatchNormalization's batch moments: [N, H, W, C] → [C]) as
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
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  if (axes.length === 0 || axes.some((a, i) => a !== i) || axes.length === x.shape.length) {
    return "not a reduction over leading axes";
  }
  const rest = x.shape.slice(axes.length);
  const cols = sizeOf(rest);
  const rows = size / cols;
  // tfjs-cpu divides by the count as a float32.
  const n = Math.fround(rows);
  const y = backend.output(keepDims ? [...axes.map(() => 1), ...rest] : rest);
  backend.native.sumRows(backend.f32(x), y.values, rows, cols, n);
  return y.info;
});
