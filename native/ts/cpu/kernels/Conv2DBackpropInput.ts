import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { dyMismatch, smallConv, unsupportedConv } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const conv2DBackpropInputKernel = nativeKernel(
  Conv2DBackpropInput,
  ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as unknown as Req<Conv2DBackpropInputInputs>;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } =
      attrs as unknown as Conv2DBackpropInputAttrs;
    if (!backend.allF32(dy, filter)) return "dtype";
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const why = unsupportedConv(info, dataFormat) ?? dyMismatch(dy, info) ?? smallConv(info);
    if (why) return why;
    const dx = backend.output(info.inShape);
    backend.native.conv2dBackpropInput(
      backend.f32(dy),
      backend.f32(filter),
      dx.values,
      convParams(info),
    );
    return dx.info;
  },
);
