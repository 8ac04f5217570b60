import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import type { GraftCpuBackend } from "../backend.ts";

/** A reduction graft-cpu runs as `sumRows`: per image, rows × cols summed over the rows. */
export interface RowReduction {
  batch: number;
  rows: number;
  cols: number;
  outShape: number[];
}

/**
 * Sum and Mean's native case: the leading axes from 0 (batch moments, the bias gradient:
 * [N, H, W, C] → [C]) or from 1 (global average pooling and its gradient: [N, H, W, C] →
 * [N, C], one leading-axes reduction per image); anything else is a reason for tfjs-cpu.
 */
export function rowReduction(
  shape: number[],
  axis: number | number[],
  keepDims: boolean,
): RowReduction | string {
  const axes = util.parseAxisParam(axis, shape).sort((p, q) => p - q);
  const first = axes[0] ?? 0;
  if (
    axes.length === 0 ||
    first > 1 ||
    axes.some((a, i) => a !== first + i) ||
    first + axes.length === shape.length
  ) {
    return "not a reduction over leading axes";
  }
  const batch = first === 1 ? (shape[0] as number) : 1;
  const rest = shape.slice(first + axes.length);
  const cols = sizeOf(rest);
  const rows = sizeOf(shape) / cols / (batch || 1);
  const outShape = keepDims
    ? [...shape.slice(0, first), ...axes.map(() => 1), ...rest]
    : [...shape.slice(0, first), ...rest];
  return { batch, rows, cols, outShape };
}

/** Runs `r` on x with `sumRows` (each value divided by `divisor` first, as Mean), image by image. */
export function sumRowsPerImage(
  backend: GraftCpuBackend,
  x: TensorInfo,
  r: RowReduction,
  divisor?: number,
): TensorInfo {
  const y = backend.output(r.outShape);
  const xs = backend.f32(x);
  const { rows, cols } = r;
  for (let b = 0; b < r.batch; b++) {
    const xb = xs.subarray(b * rows * cols, (b + 1) * rows * cols);
    const yb = y.values.subarray(b * cols, (b + 1) * cols);
    if (divisor === undefined) backend.native.sumRows(xb, yb, rows, cols);
    else backend.native.sumRows(xb, yb, rows, cols, divisor);
  }
  return y.info;
}
