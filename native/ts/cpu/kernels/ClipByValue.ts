import {
  ClipByValue,
  type ClipByValueAttrs,
  type ClipByValueInputs,
  getGradient,
  registerGradient,
} from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { clipByValueGradientConfig } from "./ClipByValueGrad.ts";
import { nativeKernel, smallReason } from "./util.ts";

/** tfjs ClipByValue on float32 (ReLU6 is relu then clip to [0, 6] in tfjs-layers). */
export const clipByValueKernel = nativeKernel(ClipByValue, ({ inputs, attrs, backend }) => {
  // As Relu: a second tfjs-core copy may have re-registered tfjs' gradient since graft-cpu loaded.
  if (getGradient(ClipByValue) !== clipByValueGradientConfig) {
    registerGradient(clipByValueGradientConfig);
  }
  const { x } = inputs as unknown as Req<ClipByValueInputs>;
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.clip(backend.f32(x), y.values, clipValueMin, clipValueMax);
  return y.info;
});
