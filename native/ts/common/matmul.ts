/** a @ b's shapes as both backends' matmul kernels take them (src/boundary.h MATMUL_PARAMS). */
import { broadcast_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { MATMUL_PARAMS } from "./boundary.ts";
import { packParams } from "./boundary_check.ts";
import { sizeOf } from "./shape.ts";

/** A matmul both addons can run: its parameter block and the output's shape. */
export interface MatMulPlan {
  /** The MATMUL_PARAMS block. */
  params: Int32Array;
  /** The output's shape: the broadcast batch dimensions, then [M, N]. */
  outShape: number[];
  /** Multiply-adds: batch × M × K × N. */
  macs: number;
}

/**
 * The plan for a @ b (+ bias per column), or why neither addon takes it: rank below 2,
 * inner dimensions that differ (tfjs-cpu then raises its own error), batch dimensions
 * other than equal or one side of size 1, a bias that is not one value per column.
 */
export function matMulPlan(
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | null,
): MatMulPlan | string {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return "rank < 2";
  const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const k2 = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  if (k !== k2) return "inner dimensions differ";
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  let outer: number[];
  try {
    outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return "batch dimensions do not broadcast";
  }
  if (!(batchA === batchB || batchA === 1 || batchB === 1)) return "partial batch broadcast";
  if (batchA === batchB && outerA.join() !== outerB.join()) return "partial batch broadcast";
  if (bias && sizeOf(bias.shape) !== n) return "bias not per column";
  const params = packParams(MATMUL_PARAMS, {
    batchA,
    batchB,
    m,
    k,
    n,
    transposeA: transposeA ? 1 : 0,
    transposeB: transposeB ? 1 : 0,
  });
  const outShape = [...outer, m, n];
  return { params, outShape, macs: sizeOf(outShape) * k };
}
