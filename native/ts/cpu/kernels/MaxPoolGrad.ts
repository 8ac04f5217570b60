import { MaxPoolGrad, type MaxPoolGradAttrs, type MaxPoolGradInputs } from "@tensorflow/tfjs-core";
import { poolParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { poolInfo } from "./pool_util.ts";
import { nativeKernel } from "./util.ts";

export const maxPoolGradKernel = nativeKernel(MaxPoolGrad, ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as unknown as Req<MaxPoolGradInputs>;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  if (!backend.allF32(dy)) return "dtype";
  const info = poolInfo(backend, input, filterSize, strides, pad, dimRoundingMode);
  if (typeof info === "string") return info;
  const dx = backend.output(input.shape);
  backend.native.maxPoolGrad(backend.f32(dy), backend.f32(input), dx.values, poolParams(info));
  return dx.info;
});
