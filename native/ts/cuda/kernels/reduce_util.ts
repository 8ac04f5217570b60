import { backend_util, type DataType, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { CUDA_REDUCE_OPS } from "../../common/boundary.ts";
import { sizeOf } from "../../common/shape.ts";
import type { GraftCudaBackend } from "../backend.ts";
import { stridedParams } from "./strided.ts";
import { dtypeCode, stridesOf } from "./util.ts";

/**
 * x viewed as [outer, r, inner] with the reduced axes in the middle. Axes that are
 * one contiguous block need nothing; others are first transposed (on the device)
 * so that the reduced axes come last.
 */
export function reduceView(
  backend: GraftCudaBackend,
  x: TensorInfo,
  axes: number[],
): { src: TensorInfo; outer: number; r: number; inner: number; temp: TensorInfo | null } | string {
  const sorted = [...axes].sort((a, b) => a - b);
  const rank = x.shape.length;
  const contiguous = sorted.every((a, i) => i === 0 || a === (sorted[i - 1] as number) + 1);
  if (contiguous) {
    const first = sorted[0] ?? rank;
    const last = sorted[sorted.length - 1] ?? rank - 1;
    return {
      src: x,
      outer: sizeOf(x.shape.slice(0, first)),
      r: sizeOf(x.shape.slice(first, last + 1)),
      inner: sizeOf(x.shape.slice(last + 1)),
      temp: null,
    };
  }
  const perm = backend_util.getAxesPermutation(sorted, rank) ?? [];
  const code = dtypeCode(x.dtype);
  const strides = stridesOf(x.shape);
  const shape = perm.map((a) => x.shape[a] as number);
  const p = stridedParams(
    shape,
    perm.map((a) => strides[a] as number),
    0,
  );
  if (p === null || code === null) return "rank > 6";
  const temp = backend.output(shape, x.dtype, (y) =>
    backend.kernels.stridedCopy(backend.id(x), y, code, p),
  );
  const r = sizeOf(sorted.map((a) => x.shape[a] as number));
  return { src: temp, outer: sizeOf(x.shape) / (r || 1), r, inner: 1, temp };
}

/** Sum/Mean/Max/Min/Prod over `axis` (tfjs semantics, keepDims). */
export function reduce(
  backend: GraftCudaBackend,
  x: TensorInfo,
  axis: number | number[] | null | undefined,
  keepDims: boolean,
  op: keyof typeof CUDA_REDUCE_OPS,
): TensorInfo | string {
  const allowed: DataType[] = op === "mean" ? ["float32"] : ["float32", "int32"];
  if (!allowed.includes(x.dtype)) return "dtype";
  const axes = util.parseAxisParam((axis ?? null) as number[], x.shape);
  const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  if (axes.length === 0) {
    // Nothing to reduce: tfjs returns a copy (sum of one element each).
    const code = dtypeCode(x.dtype) as number;
    const p = stridedParams([sizeOf(x.shape)], [1], 0) as Int32Array;
    return backend.output(shape, x.dtype, (y) =>
      backend.kernels.stridedCopy(backend.id(x), y, code, p),
    );
  }
  const view = reduceView(backend, x, axes);
  if (typeof view === "string") return view;
  try {
    return backend.output(shape, x.dtype, (y) =>
      backend.kernels.reduce(
        CUDA_REDUCE_OPS[op],
        dtypeCode(x.dtype) as number,
        backend.id(view.src),
        y,
        view.outer,
        view.r,
        view.inner,
      ),
    );
  } finally {
    if (view.temp) backend.disposeData(view.temp.dataId);
  }
}
