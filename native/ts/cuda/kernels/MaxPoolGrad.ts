import { MaxPoolGrad, type MaxPoolGradAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { POOL_KINDS } from "../../common/boundary.ts";
import { poolSetup } from "./pool_util.ts";
import { cudaKernel } from "./util.ts";

/** cuDNN routes each dy to its window's maximum; on exact ties its choice may differ from tfjs-cpu's first-wins. */
export const maxPoolGradKernel = cudaKernel(MaxPoolGrad, ({ inputs, attrs, backend }) => {
  const dy = inputs.dy as TensorInfo;
  const x = inputs.input as TensorInfo;
  const y = inputs.output as TensorInfo;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  if (dy.dtype !== "float32" || y.dtype !== "float32") return "dtype";
  const s = poolSetup(x, filterSize, strides, pad, dimRoundingMode);
  if (typeof s === "string") return s;
  return backend.output(x.shape, "float32", (dx) =>
    backend.kernels.pool2dGrad(
      backend.id(dy),
      backend.id(x),
      backend.id(y),
      dx,
      s.p,
      POOL_KINDS.max,
    ),
  );
});
