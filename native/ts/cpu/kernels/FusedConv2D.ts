import {
  backend_util,
  FusedConv2D,
  type FusedConv2DAttrs,
  type FusedConv2DInputs,
} from "@tensorflow/tfjs-core";
import { ACTIVATIONS } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import { convParams } from "../../common/conv.ts";
import { type Req, sizeOf } from "../../common/shape.ts";
import { smallConv, unsupportedConv } from "./conv_util.ts";
import { nativeKernel } from "./util.ts";

export const fusedConv2DKernel = nativeKernel(FusedConv2D, ({ inputs, attrs, backend }) => {
  const { x, filter, bias, preluActivationWeights } = inputs as unknown as Req<
    FusedConv2DInputs,
    "x" | "filter"
  >;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
    attrs as unknown as FusedConv2DAttrs;
  if (!backend.allF32(x, filter, bias)) return "dtype";
  if (preluActivationWeights) return "activation prelu";
  const act = codeOf(ACTIVATIONS, activation ?? "linear");
  if (act === undefined) return `activation ${activation}`;
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
  if (bias && sizeOf(bias.shape) !== info.outChannels) return "bias not per channel";
  const y = backend.output(info.outShape);
  backend.native.conv2d(
    backend.f32(x),
    backend.f32(filter),
    bias ? backend.f32(bias) : null,
    y.values,
    convParams(info),
    act,
    leakyreluAlpha ?? 0.2,
    backend.weightsKey(filter),
  );
  return y.info;
});
