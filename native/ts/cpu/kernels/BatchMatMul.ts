import { BatchMatMul, type BatchMatMulAttrs, type BatchMatMulInputs } from "@tensorflow/tfjs-core";
import type { Req } from "../../common/shape.ts";
import { nativeMatMul } from "./matmul_util.ts";
import { nativeKernel } from "./util.ts";

export const batchMatMulKernel = nativeKernel(BatchMatMul, ({ inputs, attrs, backend }) => {
  const { a, b } = inputs as unknown as Req<BatchMatMulInputs>;
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  return nativeMatMul(backend, a, b, transposeA, transposeB, null, "linear", 0);
});
