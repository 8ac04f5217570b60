import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import type { GraftCpuBackend } from "../backend.ts";

/** tfjs' Pool2DInfo for NHWC input, or a reason why graft-cpu leaves it to tfjs-cpu. */
export function poolInfo(
  backend: GraftCpuBackend,
  x: TensorInfo,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: "valid" | "same" | number | backend_util.ExplicitPadding,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
): backend_util.Conv2DInfo | string {
  if (!backend.allF32(x)) return "dtype";
  if (x.shape.length !== 4) return `rank ${x.shape.length}`;
  return backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * tfjs-cpu's MaxPool and AvgPool return their input unchanged for a 1×1 window whose output
 * shape equals the input's, whatever the padding says; graft-cpu leaves that case to it.
 */
export function poolIdentityReason(info: backend_util.Conv2DInfo): string | null {
  const same = info.inShape.every((d, i) => d === info.outShape[i]);
  return info.filterHeight === 1 && info.filterWidth === 1 && same
    ? "1x1 window, output shape = input shape (tfjs-cpu returns the input)"
    : null;
}
