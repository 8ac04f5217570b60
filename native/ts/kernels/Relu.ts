import { Relu, type ReluInputs } from "@tensorflow/tfjs-core";
import { nativeKernel, type Req } from "./util.ts";

export const reluConfig = nativeKernel(Relu, ({ inputs, backend }) => {
  const { x } = inputs as unknown as Req<ReluInputs>;
  if (!backend.allF32(x)) return "dtype";
  const y = backend.output(x.shape);
  backend.native.relu(backend.f32(x), y.values);
  return y.info;
});
