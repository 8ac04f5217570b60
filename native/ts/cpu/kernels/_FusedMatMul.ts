import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type _FusedMatMulInputs,
} from "@tensorflow/tfjs-core";
import type { Req } from "../../common/shape.ts";
import { nativeMatMul } from "./matmul_util.ts";
import { nativeKernel } from "./util.ts";

export const _fusedMatMulKernel = nativeKernel(_FusedMatMul, ({ inputs, attrs, backend }) => {
  const { a, b, bias, preluActivationWeights } = inputs as unknown as Req<
    _FusedMatMulInputs,
    "a" | "b"
  >;
  const { transposeA, transposeB, activation, leakyreluAlpha } =
    attrs as unknown as _FusedMatMulAttrs;
  if (preluActivationWeights) return "activation prelu";
  return nativeMatMul(
    backend,
    a,
    b,
    transposeA,
    transposeB,
    bias ?? null,
    activation ?? "linear",
    leakyreluAlpha ?? 0.2,
  );
});
