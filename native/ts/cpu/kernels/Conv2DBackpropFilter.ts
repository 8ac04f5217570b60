import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { dyMismatch, smallConv, unsupportedConv } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const conv2DBackpropFilterKernel = nativeKernel(
  Conv2DBackpropFilter,
  ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as unknown as Req<Conv2DBackpropFilterInputs>;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    if (!backend.allF32(x, dy)) return "dtype";
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const why = unsupportedConv(info, dataFormat) ?? dyMismatch(dy, info) ?? smallConv(info);
    if (why) return why;
    const dw = backend.output(filterShape);
    backend.native.conv2dBackpropFilter(
      backend.f32(x),
      backend.f32(dy),
      dw.values,
      convParams(info),
    );
    return dw.info;
  },
);
