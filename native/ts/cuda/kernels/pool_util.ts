import { backend_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { poolParams } from "../../common/conv.ts";
import type { PoolKind } from "../addon.ts";
import type { GraftCudaBackend } from "../backend.ts";
import { type Shape4, unsupportedPool } from "./conv_util.ts";

type Pad = "valid" | "same" | number | backend_util.ExplicitPadding;

/** Pool2D info and parameters for an NHWC float32 input, or why cuDNN pooling cannot take it. */
export function poolSetup(
  x: TensorInfo,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
): { info: backend_util.Conv2DInfo; p: Int32Array } | string {
  if (x.dtype !== "float32") return "dtype";
  if (x.shape.length !== 4) return `rank ${x.shape.length}`;
  const info = backend_util.computePool2DInfo(
    x.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const why = unsupportedPool(info);
  if (why) return why;
  return { info, p: poolParams(info) };
}

export function pool(
  backend: GraftCudaBackend,
  x: TensorInfo,
  attrs: {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: Pad;
    dimRoundingMode?: "floor" | "round" | "ceil";
  },
  kind: PoolKind,
): TensorInfo | string {
  const s = poolSetup(x, attrs.filterSize, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  if (typeof s === "string") return s;
  if (
    s.info.filterHeight === 1 &&
    s.info.filterWidth === 1 &&
    s.info.strideHeight === 1 &&
    s.info.strideWidth === 1
  ) {
    backend.incRef(x.dataId); // tfjs-cpu returns x itself for a 1x1 window with stride 1
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }
  return backend.output(s.info.outShape, "float32", (y) =>
    backend.kernels.pool2d(backend.id(x), y, s.p, kind),
  );
}
