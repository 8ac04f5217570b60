import {
  cast,
  type GradConfig,
  getGradient,
  lessEqual,
  mul,
  Relu6,
  type Relu6Inputs,
  registerGradient,
  step,
  sub,
  type Tensor,
} from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * Relu6's gradient, dy where 0 < x ≤ 6 and 0 elsewhere (NaN where x is NaN), as tfjs defines
 * it, from kernels graft-cpu runs natively: dy · step(x) · (1 − step(x − 6)). x − 6 is exact
 * wherever it decides (x in [3, 12]), so the mask is tfjs' own, which builds it from LessEqual
 * and Cast, tfjs-cpu's JavaScript here. Other dtypes keep tfjs' formula.
 */
export const relu6GradientConfig: GradConfig = {
  kernelName: Relu6,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as [Tensor];
    const g = dy as Tensor;
    return {
      x: () =>
        x.dtype === "float32"
          ? mul(g, mul(step(x), sub(1, step(sub(x, 6)))))
          : mul(g, cast(mul(lessEqual(x, 6), step(x)), "float32")),
    };
  },
};

/**
 * tfjs Relu6, min(max(x, 0), 6), as the native clip to [0, 6]: Keras 3's hard_sigmoid and
 * hard_swish (MobileNetV3's gates and activations) call it on every block.
 */
export const relu6Kernel = nativeKernel(Relu6, ({ inputs, backend }) => {
  // As Relu: a second tfjs-core copy may have re-registered tfjs' gradient since graft-cpu loaded.
  if (getGradient(Relu6) !== relu6GradientConfig) registerGradient(relu6GradientConfig);
  const { x } = inputs as unknown as Req<Relu6Inputs>;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.clip(backend.f32(x), y.values, 0, 6);
  return y.info;
});
