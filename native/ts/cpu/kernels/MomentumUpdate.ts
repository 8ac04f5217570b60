/**
 * SGD momentum's update of one variable as one kernel. tfjs's MomentumOptimizer
 * runs Multiply, Add, Multiply, Add per variable (two more with Nesterov), each a
 * pass over the variable; VGG19's trainable weights are ~46M floats, so that is
 * ~0.2 s of a training step on 2 cores. `@graft/training`'s fused momentum
 * optimizer calls this kernel where the backend has it, with the optimizer's own
 * scalars, and gets the same bits.
 *
 * Inputs: value, accumulation, gradient (float32, one shape), m (the momentum
 * scalar), c (the -learningRate scalar). Attr: useNesterov.
 * Outputs: [newValue, newAccumulation].
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

export const MOMENTUM_UPDATE = "MomentumUpdate";

interface MomentumUpdateInputs {
  value: TensorInfo;
  accumulation: TensorInfo;
  gradient: TensorInfo;
  m: TensorInfo;
  c: TensorInfo;
}

export const momentumUpdateKernel = nativeKernel(MOMENTUM_UPDATE, ({ inputs, attrs, backend }) => {
  const { value, accumulation, gradient, m, c } = inputs as unknown as Req<MomentumUpdateInputs>;
  if (!backend.allF32(value, accumulation, gradient, m, c)) return "dtype";
  const n = sizeOf(value.shape);
  if (sizeOf(accumulation.shape) !== n || sizeOf(gradient.shape) !== n) return "shape";
  if (sizeOf(m.shape) !== 1 || sizeOf(c.shape) !== 1) return "shape";
  const newValue = backend.output(value.shape);
  const newAcc = backend.output(value.shape);
  backend.native.momentumUpdate(
    backend.f32(value),
    backend.f32(accumulation),
    backend.f32(gradient),
    newValue.values,
    newAcc.values,
    backend.f32(m)[0] as number,
    backend.f32(c)[0] as number,
    attrs.useNesterov === true,
  );
  return [newValue.info, newAcc.info];
});
