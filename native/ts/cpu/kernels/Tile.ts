import { Tile, type TileAttrs, type TileInputs } from "@tensorflow/tfjs-core";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs Tile on float32 (tf.tile; BatchNormalization's gradient tiles its per-channel terms
 * over the batch): rows of the last axis copied from their source. Other dtypes run tfjs-cpu's
 * kernel.
 */
export const tileKernel = nativeKernel(Tile, ({ inputs, attrs, backend }) => {
  const { x } = inputs as unknown as Req<TileInputs>;
  const { reps } = attrs as unknown as TileAttrs;
  if (!backend.allF32(x)) return "dtype";
  const rank = x.shape.length;
  if (rank === 0 || reps.length !== rank) return "rank";
  const outShape = x.shape.map((d, i) => d * (reps[i] as number));
  const small = smallReason(sizeOf(outShape));
  if (small) return small;
  if (sizeOf(x.shape) === 0) return "empty";
  const y = backend.output(outShape);
  backend.native.tile(backend.f32(x), y.values, Int32Array.from([rank, ...x.shape, ...reps]));
  return y.info;
});
