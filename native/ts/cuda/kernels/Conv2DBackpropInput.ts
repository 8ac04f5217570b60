import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import { type Shape4, unsupportedConv } from "./conv_util.ts";
import { cudaKernel } from "./util.ts";

export const conv2DBackpropInputKernel = cudaKernel(
  Conv2DBackpropInput,
  ({ inputs, attrs, backend }) => {
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } =
      attrs as unknown as Conv2DBackpropInputAttrs;
    if (dy.dtype !== "float32" || filter.dtype !== "float32") return "dtype";
    const info = backend_util.computeConv2DInfo(
      inputShape as Shape4,
      filter.shape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const why = unsupportedConv(info, dataFormat);
    if (why) return why;
    return backend.output(inputShape, "float32", (dx) =>
      backend.kernels.conv2dBackpropInput(backend.id(dy), backend.id(filter), dx, convParams(info)),
    );
  },
);
