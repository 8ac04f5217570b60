import { type DataType, Fill, type FillAttrs } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

export const fillKernel = cudaKernel(Fill, ({ attrs, backend }) => {
  const { shape, value, dtype } = attrs as unknown as FillAttrs;
  const $dtype: DataType = dtype ?? (typeof value === "string" ? "string" : "float32");
  const code = dtypeCode($dtype);
  if (code === null || typeof value !== "number") return "dtype";
  return backend.output(shape, $dtype, (y) => backend.kernels.fill(y, code, sizeOf(shape), value));
});
