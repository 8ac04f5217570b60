import { PadV2, type PadV2Attrs, type PadV2Inputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs PadV2 (tf.pad; ZeroPadding2D layers) on float32: the output filled with the constant,
 * then each row of x's last axis copied into place. Other dtypes run tfjs-cpu's kernel.
 */
export const padV2Kernel = nativeKernel(PadV2, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<PadV2Inputs>;
  const { paddings, constantValue } = attrs as unknown as PadV2Attrs;
  if (!backend.allF32(x)) return "dtype";
  const rank = x.shape.length;
  if (rank === 0 || paddings.length !== rank) return "rank";
  if (paddings.some((q) => q[0] < 0 || q[1] < 0)) return "negative padding";
  const outShape = x.shape.map((d, i) => (paddings[i]?.[0] ?? 0) + d + (paddings[i]?.[1] ?? 0));
  const small = smallReason(sizeOf(outShape));
  if (small) return small;
  const p = Int32Array.from([
    rank,
    ...x.shape,
    ...paddings.map((q) => q[0]),
    ...paddings.map((q) => q[1]),
  ]);
  const y = backend.output(outShape);
  backend.native.pad(backend.f32(x), y.values, p, constantValue);
  return y.info;
});
