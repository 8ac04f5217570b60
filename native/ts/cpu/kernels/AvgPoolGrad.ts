import { AvgPoolGrad, type AvgPoolGradAttrs, type AvgPoolGradInputs } from "@tensorflow/tfjs-core";
import { poolParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { poolInfo } from "./pool_util.ts";
import { nativeKernel } from "./util.ts";

export const avgPoolGradKernel = nativeKernel(AvgPoolGrad, ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs as unknown as Req<AvgPoolGradInputs>;
  const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
  if (!backend.allF32(dy)) return "dtype";
  const info = poolInfo(backend, input, filterSize, strides, pad, undefined);
  if (typeof info === "string") return info;
  const dx = backend.output(input.shape);
  backend.native.avgPoolGrad(backend.f32(dy), dx.values, poolParams(info));
  return dx.info;
});
