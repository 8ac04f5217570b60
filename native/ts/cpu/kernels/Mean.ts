import { Mean, type MeanAttrs, type MeanInputs, util } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
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
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  // Leading axes from 0 (batch moments), or from 1 (global average pooling: [N, H, W, C]
  // over H and W, one leading-axes mean per image).
  const first = axes[0] ?? 0;
  if (
    axes.length === 0 ||
    first > 1 ||
    axes.some((a, i) => a !== first + i) ||
    first + axes.length === x.shape.length
  ) {
    return "not a reduction over leading axes";
  }
  const batch = first === 1 ? (x.shape[0] as number) : 1;
  const rest = x.shape.slice(first + axes.length);
  const cols = sizeOf(rest);
  const rows = size / cols / batch;
  // tfjs-cpu divides by the count as a float32.
  const n = Math.fround(rows);
  const kept = keepDims
    ? [...x.shape.slice(0, first), ...axes.map(() => 1), ...rest]
    : [...x.shape.slice(0, first), ...rest];
  const y = backend.output(kept);
  const xs = backend.f32(x);
  for (let b = 0; b < batch; b++) {
    backend.native.sumRows(
      xs.subarray(b * rows * cols, (b + 1) * rows * cols),
      y.values.subarray(b * cols, (b + 1) * cols),
      rows,
      cols,
      n,
    );
  }
  return y.info;
});
