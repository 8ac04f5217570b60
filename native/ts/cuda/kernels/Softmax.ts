import { Softmax, type SoftmaxAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel } from "./util.ts";

/** cuDNN's accurate softmax over the last axis (tfjs's `dim` is always the last one from ops). */
export const softmaxKernel = cudaKernel(Softmax, ({ inputs, attrs, backend }) => {
  const logits = inputs.logits as TensorInfo;
  const { dim } = attrs as unknown as SoftmaxAttrs;
  if (logits.dtype !== "float32") return "dtype";
  const rank = logits.shape.length;
  if (rank === 0) return "rank 0";
  if (dim !== -1 && dim !== rank - 1) return "not the last axis";
  const cols = logits.shape[rank - 1] as number;
  const rows = sizeOf(logits.shape) / (cols || 1);
  return backend.output(logits.shape, "float32", (y) =>
    backend.kernels.softmax(backend.id(logits), y, rows, cols, false),
  );
});
