import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropFilterInputs,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { depthwiseInfo, dyMismatch, type Shape4 } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const depthwiseConv2dNativeBackpropFilterKernel = nativeKernel(
  DepthwiseConv2dNativeBackpropFilter,
  ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as unknown as Req<DepthwiseConv2dNativeBackpropFilterInputs>;
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    if (!backend.allF32(x, dy)) return "dtype";
    const info = depthwiseInfo(
      x.shape as Shape4,
      filterShape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      undefined,
    );
    if (typeof info === "string") return info;
    const why = dyMismatch(dy, info);
    if (why) return why;
    const dw = backend.output(filterShape);
    backend.native.conv2dBackpropFilter(
      backend.f32(x),
      backend.f32(dy),
      dw.values,
      convParams(info),
      info.inChannels,
    );
    return dw.info;
  },
);
