import type { TensorInfo } from "@tensorflow/tfjs-core";
import { CUDA_UNARY_OPS } from "../../common/boundary.ts";
import { sizeOf } from "../../common/shape.ts";
import { type CudaKernel, cudaKernel } from "./util.ts";

/** A float32 elementwise kernel: y = op(x; alpha, beta) read from the attributes. */
export function unaryKernel(
  kernelName: string,
  op: keyof typeof CUDA_UNARY_OPS,
  params: (attrs: Record<string, unknown>) => [number, number] = () => [0, 0],
): CudaKernel {
  return cudaKernel(kernelName, ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    if (x.dtype !== "float32") return "dtype";
    const [alpha, beta] = params(attrs);
    return backend.output(x.shape, "float32", (y) =>
      backend.kernels.unary(CUDA_UNARY_OPS[op], backend.id(x), y, sizeOf(x.shape), alpha, beta),
    );
  });
}
