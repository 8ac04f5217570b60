import { Sum, type SumAttrs, type SumInputs, util } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

/**
 * Sum over the leading axes (the bias gradient: [N, H, W, C] → [C]), or over the axes after the
 * first (the gradient of squeeze-and-excitation's [N, 1, 1, C] factor: [N, H, W, C] → [N, C],
 * image by image); other reductions go to tfjs-cpu.
 */
export const sumKernel = nativeKernel(Sum, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<SumInputs>;
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  if (!backend.allF32(x)) return "dtype";
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
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
  const rows = sizeOf(x.shape) / cols / (batch || 1);
  const outShape = keepDims
    ? [...x.shape.slice(0, first), ...axes.map(() => 1), ...rest]
    : [...x.shape.slice(0, first), ...rest];
  const y = backend.output(outShape);
  const xs = backend.f32(x);
  for (let b = 0; b < batch; b++) {
    backend.native.sumRows(
      xs.subarray(b * rows * cols, (b + 1) * rows * cols),
      y.values.subarray(b * cols, (b + 1) * cols),
      rows,
      cols,
    );
  }
  return y.info;
});
