import type { TensorInfo } from "@tensorflow/tfjs-core";
import { ACTIVATIONS } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import { matMulPlan } from "../../common/matmul.ts";
import type { GraftCpuBackend } from "../backend.ts";
import { smallOpsFallBack, smallReasonFor } from "./util.ts";

/**
 * Below this many multiply-adds a matmul runs tfjs-cpu's JavaScript: a cached tiny matmul
 * costs both about 37 µs through the engine (2-core AMD EPYC), but a shape graft-cpu has not
 * seen costs it 0.2-0.3 ms to build oneDNN's primitive (README "tfjs-core's own suite").
 */
export const NATIVE_MIN_MATMUL_MACS = 4096;

/** The fallback reason counted for such a matmul. */
export const SMALL_MATMUL_REASON = smallReasonFor(NATIVE_MIN_MATMUL_MACS, "multiply-adds");

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
  const act = codeOf(ACTIVATIONS, activation);
  if (act === undefined) return `activation ${activation}`;
  const plan = matMulPlan(a, b, transposeA, transposeB, bias);
  if (typeof plan === "string") return plan;
  if (smallOpsFallBack() && plan.macs < NATIVE_MIN_MATMUL_MACS) return SMALL_MATMUL_REASON;
  const y = backend.output(plan.outShape);
  backend.native.matmul(
    backend.f32(a),
    backend.f32(b),
    bias ? backend.f32(bias) : null,
    y.values,
    plan.params,
    act,
    alpha,
    backend.weightsKey(b),
  );
  return y.info;
}
