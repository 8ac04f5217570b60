import { Sum, type SumAttrs, type SumInputs, util } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

/** Sum over the leading axes (the bias gradient: [N, H, W, C] → [C]); other reductions go to tfjs-cpu. */
export const sumKernel = nativeKernel(Sum, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<SumInputs>;
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  if (!backend.allF32(x)) return "dtype";
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  if (axes.length === 0 || axes.some((a, i) => a !== i) || axes.length === x.shape.length) {
    return "not a reduction over leading axes";
  }
  const rest = x.shape.slice(axes.length);
  const cols = sizeOf(rest);
  const outShape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
  const y = backend.output(outShape);
  backend.native.sumRows(backend.f32(x), y.values, sizeOf(x.shape) / cols, cols);
  return y.info;
});
