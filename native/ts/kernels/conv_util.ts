import type { backend_util, TensorInfo } from "@tensorflow/tfjs-core";

/**
 * The Int32Array graft.node's convolutions read:
 * [N, H, W, C, KH, KW, OC, OH, OW, strideH, strideW, dilationH, dilationW,
 *  padTop, padLeft, padBottom, padRight].
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

/**
 * The pooling layout: [N, H, W, C, KH, KW, OH, OW, strideH, strideW,
 * padTop, padLeft, padBottom, padRight].
 */
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
