/**
 * SGD momentum's update of one variable as one GPU kernel (graft-cpu's MomentumUpdate,
 * native/ts/kernels/MomentumUpdate.ts, with the same arithmetic): instead of tfjs's
 * four elementwise kernels per variable. The scalars m and c stay on the device.
 */
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel } from "./util.ts";

/** The kernel's name, as @graft/training's fused momentum optimizer calls it. */
const MOMENTUM_UPDATE = "MomentumUpdate";

export const momentumUpdateKernel = cudaKernel(MOMENTUM_UPDATE, ({ inputs, attrs, backend }) => {
  const { value, accumulation, gradient, m, c } = inputs as Record<string, TensorInfo>;
  if (!value || !accumulation || !gradient || !m || !c) return "inputs";
  if ([value, accumulation, gradient, m, c].some((t) => t.dtype !== "float32")) return "dtype";
  const n = sizeOf(value.shape);
  if (sizeOf(accumulation.shape) !== n || sizeOf(gradient.shape) !== n) return "shape";
  if (sizeOf(m.shape) !== 1 || sizeOf(c.shape) !== 1) return "shape";
  const newValue = backend.newId();
  const newAcc = backend.newId();
  backend.kernels.momentumUpdate(
    backend.id(value),
    backend.id(accumulation),
    backend.id(gradient),
    backend.id(m),
    backend.id(c),
    newValue,
    newAcc,
    n,
    attrs.useNesterov === true,
  );
  return [
    backend.adopt(newValue, value.shape, "float32"),
    backend.adopt(newAcc, value.shape, "float32"),
  ];
});
