import {
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type DepthwiseConv2dNativeBackpropInputInputs,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { depthwiseInfo, dyMismatch, type Shape4 } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const depthwiseConv2dNativeBackpropInputKernel = nativeKernel(
  DepthwiseConv2dNativeBackpropInput,
  ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as unknown as Req<DepthwiseConv2dNativeBackpropInputInputs>;
    const { strides, dilations, pad, dimRoundingMode, inputShape } =
      attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    if (!backend.allF32(dy, filter)) return "dtype";
    const info = depthwiseInfo(
      inputShape as Shape4,
      filter.shape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      undefined,
    );
    if (typeof info === "string") return info;
    const why = dyMismatch(dy, info);
    if (why) return why;
    const dx = backend.output(info.inShape);
    backend.native.conv2dBackpropInput(
      backend.f32(dy),
      backend.f32(filter),
      dx.values,
      convParams(info),
      info.inChannels,
    );
    return dx.info;
  },
);
