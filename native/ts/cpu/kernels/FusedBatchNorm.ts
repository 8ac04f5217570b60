import {
  FusedBatchNorm,
  type FusedBatchNormAttrs,
  type FusedBatchNormInputs,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs FusedBatchNorm (tf.batchNorm; BatchNormalization layers in inference mode, and in
 * training mode on the batch's moments), natively when each of mean, variance, offset and
 * scale holds one value or one per channel of the last axis: tfjs-cpu's loop in double, the
 * same bits. Other broadcasts run tfjs-cpu's kernel.
 */
export const fusedBatchNormKernel = nativeKernel(FusedBatchNorm, ({ inputs, attrs, backend }) => {
  const { x, mean, variance } = inputs as unknown as Req<FusedBatchNormInputs>;
  const { offset, scale } = inputs as unknown as {
    offset?: TensorInfo | null;
    scale?: TensorInfo | null;
  };
  if (!backend.allF32(x, mean, variance, offset, scale)) return "dtype";
  const size = sizeOf(x.shape);
  const small = smallReason(size);
  if (small) return small;
  const inner = x.shape.length === 0 ? 1 : (x.shape[x.shape.length - 1] as number);
  if (inner < 1) return "empty";
  for (const p of [mean, variance, offset, scale]) {
    if (p == null) continue;
    const n = sizeOf(p.shape);
    if (n !== 1 && n !== inner) return "broadcast";
  }
  const { varianceEpsilon } = attrs as unknown as FusedBatchNormAttrs;
  const y = backend.output(x.shape);
  backend.native.batchNorm(
    backend.f32(x),
    backend.f32(mean),
    backend.f32(variance),
    offset ? backend.f32(offset) : null,
    scale ? backend.f32(scale) : null,
    y.values,
    inner,
    varianceEpsilon ?? 0.001,
  );
  return y.info;
});
