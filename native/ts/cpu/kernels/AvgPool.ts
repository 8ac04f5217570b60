import { AvgPool, type AvgPoolAttrs, type AvgPoolInputs } from "@tensorflow/tfjs-core";
import { POOL_KINDS } from "../../common/boundary.ts";
import { poolParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { poolIdentityReason, poolInfo } from "./pool_util.ts";
import { nativeKernel } from "./util.ts";

export const avgPoolKernel = nativeKernel(AvgPool, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<AvgPoolInputs>;
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as AvgPoolAttrs;
  const info = poolInfo(backend, x, filterSize, strides, pad, dimRoundingMode);
  if (typeof info === "string") return info;
  const identity = poolIdentityReason(info);
  if (identity) return identity;
  const y = backend.output(info.outShape);
  backend.native.pool2d(backend.f32(x), y.values, poolParams(info), POOL_KINDS.avg);
  return y.info;
});
