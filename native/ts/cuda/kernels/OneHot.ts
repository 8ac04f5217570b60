import { OneHot, type OneHotAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel } from "./util.ts";

export const oneHotKernel = cudaKernel(OneHot, ({ inputs, attrs, backend }) => {
  const indices = inputs.indices as TensorInfo;
  const { depth, onValue, offValue, dtype } = attrs as unknown as OneHotAttrs;
  if (indices.dtype !== "int32" || (dtype !== "float32" && dtype !== "int32")) return "dtype";
  const n = sizeOf(indices.shape);
  return backend.output([...indices.shape, depth], dtype, (y) =>
    backend.kernels.oneHot(
      backend.id(indices),
      y,
      dtype === "float32" ? 0 : 1,
      n,
      depth,
      onValue,
      offValue,
    ),
  );
});
