/** The convolution and pooling parameter blocks both addons read (src/boundary.h). */
import type { backend_util } from "@tensorflow/tfjs-core";
import { CONV_PARAMS, POOL_PARAMS } from "./boundary.ts";
import { packParams } from "./boundary_check.ts";

/** The CONV_PARAMS block of a tfjs Conv2DInfo (conv2d and both backprops). */
export function convParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return packParams(CONV_PARAMS, {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outChannels: info.outChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: p.top,
    padLeft: p.left,
    padBottom: p.bottom,
    padRight: p.right,
  });
}

/** The POOL_PARAMS block of a tfjs pooling Conv2DInfo. */
export function poolParams(info: backend_util.Conv2DInfo): Int32Array {
  const p = info.padInfo;
  return packParams(POOL_PARAMS, {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: p.top,
    padLeft: p.left,
    padBottom: p.bottom,
    padRight: p.right,
  });
}
