import { getGradient, Relu, type ReluInputs, registerGradient } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { reluGradientConfig } from "./ReluGrad.ts";
import { nativeKernel, smallReason } from "./util.ts";

export const reluKernel = nativeKernel(Relu, ({ inputs, backend }) => {
  // A second copy of tfjs-core (its CommonJS build, loaded by tfjs-layers) re-registers
  // tfjs' gradients when it loads; the gradient is read right after this kernel runs.
  if (getGradient(Relu) !== reluGradientConfig) registerGradient(reluGradientConfig);
  const { x } = inputs as unknown as Req<ReluInputs>;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.relu(backend.f32(x), y.values);
  return y.info;
});
