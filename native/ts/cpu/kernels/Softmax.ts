import { Softmax, type SoftmaxAttrs, type SoftmaxInputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

export const softmaxKernel = nativeKernel(Softmax, ({ inputs, attrs, backend }) => {
  const { logits } = inputs as unknown as Req<SoftmaxInputs>;
  const { dim } = attrs as unknown as SoftmaxAttrs;
  if (!backend.allF32(logits)) return "dtype";
  const rank = logits.shape.length;
  if (rank === 0 || !(dim === -1 || dim === rank - 1)) return `dim ${dim}`;
  const cols = logits.shape[rank - 1] as number;
  const y = backend.output(logits.shape);
  backend.native.softmax(backend.f32(logits), y.values, sizeOf(logits.shape) / cols, cols);
  return y.info;
});
