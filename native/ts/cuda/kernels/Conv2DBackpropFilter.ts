import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import { type Shape4, unsupportedConv } from "./conv_util.ts";
import { cudaKernel } from "./util.ts";

export const conv2DBackpropFilterKernel = cudaKernel(
  Conv2DBackpropFilter,
  ({ inputs, attrs, backend }) => {
    const x = inputs.x as TensorInfo;
    const dy = inputs.dy as TensorInfo;
    const { filterShape, strides, pad, dataFormat, dimRoundingMode } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    if (x.dtype !== "float32" || dy.dtype !== "float32") return "dtype";
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filterShape as Shape4,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const why = unsupportedConv(info, dataFormat);
    if (why) return why;
    return backend.output(filterShape, "float32", (dw) =>
      backend.kernels.conv2dBackpropFilter(backend.id(x), backend.id(dy), dw, convParams(info)),
    );
  },
);
