import {
  DepthwiseConv2dNative,
  type DepthwiseConv2dNativeAttrs,
  type DepthwiseConv2dNativeInputs,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { depthwiseInfo, type Shape4 } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const depthwiseConv2dNativeKernel = nativeKernel(
  DepthwiseConv2dNative,
  ({ inputs, attrs, backend }) => {
    const { x, filter } = inputs as unknown as Req<DepthwiseConv2dNativeInputs>;
    const { strides, pad, dilations, dimRoundingMode, dataFormat } =
      attrs as unknown as DepthwiseConv2dNativeAttrs;
    if (!backend.allF32(x, filter)) return "dtype";
    const info = depthwiseInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      dataFormat,
    );
    if (typeof info === "string") return info;
    const y = backend.output(info.outShape);
    backend.native.conv2d(
      backend.f32(x),
      backend.f32(filter),
      null,
      y.values,
      convParams(info),
      0,
      0,
      backend.weightsKey(filter),
      info.inChannels,
    );
    return y.info;
  },
);
