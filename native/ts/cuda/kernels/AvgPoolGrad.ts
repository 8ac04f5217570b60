import { AvgPoolGrad, type AvgPoolGradAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { POOL_KINDS } from "../../common/boundary.ts";
import { poolSetup } from "./pool_util.ts";
import { cudaKernel } from "./util.ts";

export const avgPoolGradKernel = cudaKernel(AvgPoolGrad, ({ inputs, attrs, backend }) => {
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
  if (dy.dtype !== "float32") return "dtype";
  const s = poolSetup(x, filterSize, strides, pad, undefined);
  if (typeof s === "string") return s;
  return backend.output(x.shape, "float32", (dx) =>
    backend.kernels.pool2dGrad(backend.id(dy), backend.id(x), -1, dx, s.p, POOL_KINDS.avg),
  );
});
