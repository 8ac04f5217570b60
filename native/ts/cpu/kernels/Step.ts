import { Step, type StepAttrs, type StepInputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

export const stepKernel = nativeKernel(Step, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<StepInputs>;
  const { alpha } = attrs as unknown as StepAttrs;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.step(backend.f32(x), y.values, alpha ?? 0);
  return y.info;
});
