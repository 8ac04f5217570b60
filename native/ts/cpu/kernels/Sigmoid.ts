import { Sigmoid, type SigmoidInputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/** tfjs Sigmoid on float32, tfjs-cpu's formula (EfficientNet's swish and squeeze-excitation). */
export const sigmoidKernel = nativeKernel(Sigmoid, ({ inputs, backend }) => {
  const { x } = inputs as unknown as Req<SigmoidInputs>;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.sigmoid(backend.f32(x), y.values);
  return y.info;
});
