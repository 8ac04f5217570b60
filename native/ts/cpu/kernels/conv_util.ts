import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";
import { smallOpsFallBack, smallReasonFor } from "./util.ts";

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
 * Below this many multiply-adds a convolution (forward or either backprop) runs tfjs-cpu's
 * JavaScript: measured on a 2-core AMD EPYC (README "tfjs-core's own suite"), a cached
 * 3x3 convolution costs graft-cpu about 52 µs at any size up to ~150k multiply-adds (the
 * engine, the N-API call and oneDNN's thread team), tfjs-cpu 36-42 µs up to ~4k; and a shape
 * graft-cpu has not seen costs it ~0.5 ms to build oneDNN's primitive, tfjs-cpu nothing.
 */
export const NATIVE_MIN_CONV_MACS = 4096;

/** The fallback reason counted for such a convolution. */
export const SMALL_CONV_REASON = smallReasonFor(NATIVE_MIN_CONV_MACS, "multiply-adds");

/** The fallback reason for a convolution too small to be worth oneDNN, or null. */
export function smallConv(info: backend_util.Conv2DInfo): string | null {
  if (!smallOpsFallBack()) return null;
  const macs =
    info.batchSize *
    info.outHeight *
    info.outWidth *
    info.filterHeight *
    info.filterWidth *
    info.inChannels *
    info.outChannels;
  return macs < NATIVE_MIN_CONV_MACS ? SMALL_CONV_REASON : null;
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
