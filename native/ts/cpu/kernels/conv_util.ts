import {
  backend_util,
  type DepthwiseConv2dNativeAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
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
 * The fallback reason for a depthwise convolution too small to be worth oneDNN (its
 * multiply-adds: one input channel per output), or null.
 */
export function smallDepthwise(info: backend_util.Conv2DInfo): string | null {
  if (!smallOpsFallBack()) return null;
  const macs =
    info.batchSize *
    info.outHeight *
    info.outWidth *
    info.filterHeight *
    info.filterWidth *
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

/** A rank-4 shape. */
export type Shape4 = [number, number, number, number];

/**
 * tfjs' depthwise Conv2DInfo (filter [KH, KW, C, M], OC = C·M), or why graft-cpu leaves the
 * call to tfjs-cpu. tfjs-cpu's kernels take dilations only with stride 1; so does graft-cpu,
 * which leaves the rest to them and their error.
 */
export function depthwiseInfo(
  xShape: Shape4,
  filterShape: Shape4,
  strides: [number, number] | number,
  dilations: [number, number] | number | undefined,
  pad: DepthwiseConv2dNativeAttrs["pad"],
  dimRoundingMode: DepthwiseConv2dNativeAttrs["dimRoundingMode"],
  dataFormat: unknown,
): backend_util.Conv2DInfo | string {
  const d = dilations ?? 1;
  if (!backend_util.eitherStridesOrDilationsAreOne(strides, d)) return "strides and dilations";
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    d,
    pad,
    dimRoundingMode,
    true,
  );
  if (info.inChannels !== filterShape[2]) return "filter channels differ from the input's";
  return unsupportedConv(info, dataFormat) ?? smallDepthwise(info) ?? info;
}
