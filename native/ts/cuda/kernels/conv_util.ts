import type { backend_util } from "@tensorflow/tfjs-core";

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
