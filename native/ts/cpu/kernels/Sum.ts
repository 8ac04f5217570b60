import { Sum, type SumAttrs, type SumInputs } from "@tensorflow/tfjs-core";
import type { Req } from "../../common/shape.ts";
import { rowReduction, sumRowsPerImage } from "./reduce_util.ts";
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
  const r = rowReduction(x.shape, axis, keepDims);
  if (typeof r === "string") return r;
  return sumRowsPerImage(backend, x, r);
});
