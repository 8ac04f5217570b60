import { broadcast_util, type TensorInfo } from "@tensorflow/tfjs-core";
import type { GraftCpuBackend } from "../backend/graft_cpu_backend.ts";
import { ACTIVATIONS, sizeOf } from "./util.ts";

/**
 * a @ b (+ bias, activation) through graft.node for the cases it handles:
 * float32, rank ≥ 2, batch dims equal or one side without batch (size 1).
 */
export function nativeMatMul(
  backend: GraftCpuBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: TensorInfo | null,
  activation: string,
  alpha: number,
): TensorInfo | string {
  if (!backend.allF32(a, b, bias)) return "dtype";
  const act = ACTIVATIONS[activation];
  if (act === undefined) return `activation ${activation}`;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return "rank < 2";
  const M = transposeA ? (a.shape[ra - 1] as number) : (a.shape[ra - 2] as number);
  const K = transposeA ? (a.shape[ra - 2] as number) : (a.shape[ra - 1] as number);
  const K2 = transposeB ? (b.shape[rb - 1] as number) : (b.shape[rb - 2] as number);
  const N = transposeB ? (b.shape[rb - 2] as number) : (b.shape[rb - 1] as number);
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
  const y = backend.output([...outer, M, N]);
  backend.native.matmul(
    backend.f32(a),
    backend.f32(b),
    bias ? backend.f32(bias) : null,
    y.values,
    Int32Array.of(batchA, batchB, M, K, N, transposeA ? 1 : 0, transposeB ? 1 : 0),
    act,
    alpha,
    backend.weightsKey(b),
  );
  return y.info;
}
