import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";

/** Why a convolution cannot run natively, or null when it can. */
export function unsupportedConv(info: backend_util.Conv2DInfo, dataFormat: unknown): string | null {
  if (dataFormat !== undefined && dataFormat !== "NHWC") return `dataFormat ${String(dataFormat)}`;
  if (
    info.padInfo.type === "EXPLICIT" &&
    [info.padInfo.top, info.padInfo.left].some((v) => v < 0)
  ) {
    return "negative explicit padding";
  }
  return null;
}

/**
 * A dy whose size is not the convolution's output size: tfjs-cpu reads what it needs and
 * ignores the rest (tfjs-core's own conv2dTranspose spec relies on it), so graft-cpu leaves
 * such calls to it rather than refuse them.
 */
export function dyMismatch(dy: TensorInfo, info: backend_util.Conv2DInfo): string | null {
  const n = dy.shape.reduce((a, b) => a * b, 1);
  const expected = info.outShape.reduce((a, b) => a * b, 1);
  return n === expected ? null : `dy has ${n} elements, the convolution's output ${expected}`;
}
