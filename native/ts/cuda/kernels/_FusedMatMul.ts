import { _FusedMatMul, type _FusedMatMulAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { matMul } from "./matmul_util.ts";
import { cudaKernel } from "./util.ts";

/** Bias and relu in cuBLASLt's epilogue; other activations as one more kernel. */
export const _fusedMatMulKernel = cudaKernel(_FusedMatMul, ({ inputs, attrs, backend }) => {
  const { transposeA, transposeB, activation, leakyreluAlpha } =
    attrs as unknown as _FusedMatMulAttrs;
  if (inputs.preluActivationWeights) return "activation prelu";
  return matMul(
    backend,
    inputs.a as TensorInfo,
    inputs.b as TensorInfo,
    transposeA,
    transposeB,
    (inputs.bias as TensorInfo | undefined) ?? null,
    activation ?? "linear",
    leakyreluAlpha ?? 0.2,
  );
});
