import { backend_util, Conv2D, type Conv2DAttrs, type Conv2DInputs } from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import type { Req } from "../../common/shape.ts";
import { smallConv, unsupportedConv } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const conv2DKernel = nativeKernel(Conv2D, ({ inputs, attrs, backend }) => {
  const { x, filter } = inputs as unknown as Req<Conv2DInputs>;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
  if (!backend.allF32(x, filter)) return "dtype";
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const why = unsupportedConv(info, dataFormat) ?? smallConv(info);
  if (why) return why;
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
  );
  return y.info;
});
