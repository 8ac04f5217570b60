import {
  backend_util,
  FusedConv2D,
  type FusedConv2DAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { ACTIVATIONS } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import { convParams } from "../../common/conv.ts";
import { sizeOf } from "../../common/shape.ts";
import { type Shape4, unsupportedConv } from "./conv_util.ts";
import { cudaKernel } from "./util.ts";

/** conv + bias + relu in one cuDNN call; the other activations as one epilogue kernel. */
export const fusedConv2DKernel = cudaKernel(FusedConv2D, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const bias = inputs.bias as TensorInfo | undefined;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } =
    attrs as unknown as FusedConv2DAttrs;
  if ([x, filter, bias].some((t) => t && t.dtype !== "float32")) return "dtype";
  if (inputs.preluActivationWeights) return "activation prelu";
  const act = codeOf(ACTIVATIONS, activation ?? "linear");
  if (act === undefined) return `activation ${activation}`;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const why = unsupportedConv(info, dataFormat);
  if (why) return why;
  if (bias && sizeOf(bias.shape) !== info.outChannels) return "bias not per channel";
  return backend.output(info.outShape, "float32", (y) =>
    backend.kernels.conv2d(
      backend.id(x),
      backend.id(filter),
      bias ? backend.id(bias) : -1,
      y,
      convParams(info),
      act,
      leakyreluAlpha ?? 0.2,
    ),
  );
});
