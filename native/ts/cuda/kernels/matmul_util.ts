import { broadcast_util, type TensorInfo } from "@tensorflow/tfjs-core";
import { CUDA_ACTIVATIONS } from "../addon.ts";
import type { GraftCudaBackend } from "../backend.ts";
import { sizeOf } from "./util.ts";

/** a @ b (+ bias, activation) on cuBLASLt: float32, rank >= 2, batches equal or one of them 1. */
export function matMul(
  backend: GraftCudaBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | null,
  activation: string,
  alpha: number,
): TensorInfo | string {
  if ([a, b, bias].some((t) => t && t.dtype !== "float32")) return "dtype";
  const act = CUDA_ACTIVATIONS[activation];
  if (act === undefined) return `activation ${activation}`;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return "rank < 2";
  const M = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
  const K = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
  const K2 = (transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) as number;
  const N = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
  if (K !== K2) return "inner dimensions differ"; // tfjs-cpu raises its own error
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
  if (bias && sizeOf(bias.shape) !== N) return "bias not per column";
  return backend.output([...outer, M, N], "float32", (y) =>
    backend.kernels.matmul(
      backend.id(a),
      backend.id(b),
      bias ? backend.id(bias) : -1,
      y,
      Int32Array.of(batchA, batchB, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0),
      act,
      alpha,
    ),
  );
}
