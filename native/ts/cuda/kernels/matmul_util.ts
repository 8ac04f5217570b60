import type { TensorInfo } from "@tensorflow/tfjs-core";
import { ACTIVATIONS } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import { matMulPlan } from "../../common/matmul.ts";
import type { GraftCudaBackend } from "../backend.ts";

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
  const act = codeOf(ACTIVATIONS, activation);
  if (act === undefined) return `activation ${activation}`;
  const plan = matMulPlan(a, b, transposeA, transposeB, bias);
  if (typeof plan === "string") return plan;
  return backend.output(plan.outShape, "float32", (y) =>
    backend.kernels.matmul(
      backend.id(a),
      backend.id(b),
      bias ? backend.id(bias) : -1,
      y,
      plan.params,
      act,
      alpha,
    ),
  );
}
