import type { backend_util } from "@tensorflow/tfjs-core";

/**
 * graft_cuda.node's convolution parameters (the same layout as graft-cpu's):
 * [N, H, W, C, KH, KW, OC, OH, OW, strideH, strideW, dilationH, dilationW,
 *  padTop, padLeft, padBottom, padRight]. Asymmetric pads are fine: C++ pads x
 * explicitly when cuDNN cannot express them.
 */
export function convParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  );
}

/** [N, H, W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, padBottom, padRight]. */
export function poolParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  );
}

/** Why a convolution cannot run on cuDNN here, or null when it can. */
export function unsupportedConv(info: backend_util.Conv2DInfo, dataFormat: unknown): string | null {
  if (dataFormat !== undefined && dataFormat !== "NHWC") return `dataFormat ${String(dataFormat)}`;
  const p = info.padInfo;
  if ([p.top, p.left, p.bottom, p.right].some((v) => v < 0)) return "negative explicit padding";
  if (empty(info)) return "empty";
  return null;
}

/** cuDNN rejects descriptors with a zero dimension; tfjs-cpu handles empty tensors. */
function empty(info: backend_util.Conv2DInfo): boolean {
  return [...info.inShape, ...info.outShape, info.filterHeight, info.filterWidth].some(
    (d) => d === 0,
  );
}

/** Why a pooling cannot run on cuDNN here (asymmetric 'same' padding), or null. */
export function unsupportedPool(info: backend_util.Conv2DInfo): string | null {
  const p = info.padInfo;
  if (p.top !== p.bottom || p.left !== p.right) return "asymmetric padding";
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return "dilation";
  if (empty(info)) return "empty";
  return null;
}

export type Shape4 = [number, number, number, number];
