import { backend_util, Conv2D, type Conv2DAttrs, type TensorInfo } from "@tensorflow/tfjs-core";
import { convParams } from "../../common/conv.ts";
import { type Shape4, unsupportedConv } from "./conv_util.ts";
import { cudaKernel } from "./util.ts";

export const conv2DKernel = cudaKernel(Conv2D, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
  if (x.dtype !== "float32" || filter.dtype !== "float32") return "dtype";
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
  return backend.output(info.outShape, "float32", (y) =>
    backend.kernels.conv2d(backend.id(x), backend.id(filter), -1, y, convParams(info), 0, 0),
  );
});
