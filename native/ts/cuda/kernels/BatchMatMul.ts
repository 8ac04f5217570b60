import { BatchMatMul, type BatchMatMulAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { matMul } from "./matmul_util.ts";
import { cudaKernel } from "./util.ts";

export const batchMatMulKernel = cudaKernel(BatchMatMul, ({ inputs, attrs, backend }) => {
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  return matMul(
    backend,
    inputs.a as TensorInfo,
    inputs.b as TensorInfo,
    transposeA,
    transposeB,
    null,
    "linear",
    0,
  );
});
