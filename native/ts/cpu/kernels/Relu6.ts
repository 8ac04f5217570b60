import { Relu6, type Relu6Inputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs Relu6, min(max(x, 0), 6), as the native clip to [0, 6]: Keras 3's hard_sigmoid and
 * hard_swish (MobileNetV3's gates and activations) call it on every block. Its gradient stays
 * tfjs' own (a mask open at 0 and 6, where ClipByValue's is closed).
 */
export const relu6Kernel = nativeKernel(Relu6, ({ inputs, backend }) => {
  const { x } = inputs as unknown as Req<Relu6Inputs>;
  if (!backend.allF32(x)) return "dtype";
  const small = smallReason(sizeOf(x.shape));
  if (small) return small;
  const y = backend.output(x.shape);
  backend.native.clip(backend.f32(x), y.values, 0, 6);
  return y.info;
});
