/**
 * ClipByValue's gradient as one kernel (ReLU6's, in every MobileNet block). tfjs-core
 * differentiates it as where(x >= lo && x <= hi, dy, 0): GreaterEqual, LessEqual, LogicalAnd,
 * ZerosLike and Select, which on graft-cpu were tfjs-cpu's JavaScript and most of a MobileNetV2
 * training step. graft registers the gradient again so that on a backend with a
 * `ClipByValueGrad` kernel (graft-cpu) it is one pass; on any other it is tfjs' own formula.
 */
import {
  ClipByValue,
  type ClipByValueAttrs,
  engine,
  type GradConfig,
  getBackend,
  getKernel,
  greaterEqual,
  lessEqual,
  logicalAnd,
  type NamedAttrMap,
  type Tensor,
  type TensorInfo,
  where,
  zerosLike,
} from "@tensorflow/tfjs-core";
import type { Req } from "../../common/shape.ts";
import { nativeKernel } from "./util.ts";

export const CLIP_BY_VALUE_GRAD = "ClipByValueGrad";

export const clipByValueGradKernel = nativeKernel(
  CLIP_BY_VALUE_GRAD,
  ({ inputs, attrs, backend }) => {
    const { dy, x } = inputs as unknown as Req<{ dy: TensorInfo; x: TensorInfo }>;
    const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
    if (!backend.allF32(dy, x)) return "dtype";
    const dx = backend.output(x.shape);
    backend.native.clipGrad(backend.f32(dy), backend.f32(x), dx.values, clipValueMin, clipValueMax);
    return dx.info;
  },
);

export const clipByValueGradientConfig: GradConfig = {
  kernelName: ClipByValue,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as Tensor[];
    const g = dy as Tensor;
    const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
    return {
      x: () =>
        getKernel(CLIP_BY_VALUE_GRAD, getBackend()) &&
        x?.dtype === "float32" &&
        g.dtype === "float32"
          ? (engine().runKernel(CLIP_BY_VALUE_GRAD, { dy: g, x: x as Tensor }, {
              clipValueMin,
              clipValueMax,
            } as unknown as NamedAttrMap) as Tensor)
          : where(
              logicalAnd(
                greaterEqual(x as Tensor, clipValueMin),
                lessEqual(x as Tensor, clipValueMax),
              ),
              g,
              zerosLike(g),
            ),
    };
  },
};
