/**
 * Relu's gradient as one kernel. tfjs-core differentiates Relu as
 * dy * cast(step(x)): three passes over tensors that reach 100 MB in VGG's
 * first block. graft registers the gradient again so that, on a backend that
 * has a `ReluGrad` kernel (graft-cpu), it is one pass; on any other backend it
 * is tfjs' own formula, unchanged.
 */
import {
  cast,
  engine,
  type GradConfig,
  getBackend,
  getKernel,
  mul,
  Relu,
  step,
  type Tensor,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { Req } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

export const RELU_GRAD = "ReluGrad";

export const reluGradKernel = nativeKernel(RELU_GRAD, ({ inputs, backend }) => {
  const { dy, x } = inputs as unknown as Req<{ dy: TensorInfo; x: TensorInfo }>;
  if (!backend.allF32(dy, x)) return "dtype";
  const dx = backend.output(x.shape);
  backend.native.reluGrad(backend.f32(dy), backend.f32(x), dx.values);
  return dx.info;
});

export const reluGradientConfig: GradConfig = {
  kernelName: Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as Tensor[];
    const g = dy as Tensor;
    return {
      x: () =>
        getKernel(RELU_GRAD, getBackend()) && x?.dtype === "float32" && g.dtype === "float32"
          ? (engine().runKernel(RELU_GRAD, { dy: g, x: x as Tensor }) as Tensor)
          : mul(g, cast(step(x as Tensor), "float32")),
    };
  },
};
