import { Square, type SquareInputs } from "@tensorflow/tfjs-core";
import { CPU_BINARY_OPS, CPU_BROADCAST } from "../../common/boundary.ts";
import { type Req, sizeOf } from "../../common/shape.ts";
import { nativeKernel, smallReason } from "./util.ts";

/**
 * tfjs Square (BatchNormalization's batch variance squares every deviation) as the native
 * product x · x: a product of two float32 values is exact in double, so rounding it once gives
 * tfjs-cpu's bits.
 */
export const squareKernel = nativeKernel(Square, ({ inputs, backend }) => {
  const { x } = inputs as unknown as Req<SquareInputs>;
  if (!backend.allF32(x)) return "dtype";
  const size = sizeOf(x.shape);
  const small = smallReason(size);
  if (small) return small;
  const inner = x.shape.length === 0 ? 1 : (x.shape[x.shape.length - 1] as number);
  if (inner === 0) return "empty";
  const y = backend.output(x.shape);
  const v = backend.f32(x);
  const full = CPU_BROADCAST.full;
  backend.native.binary(CPU_BINARY_OPS.mul, v, v, y.values, size / inner, inner, full, full);
  return y.info;
});
