import type { TensorInfo } from "@tensorflow/tfjs-core";
import { ACTIVATIONS } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import { matMulPlan } from "../../common/matmul.ts";
import type { GraftCpuBackend } from "../backend.ts";

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
