/**
 * The geometric step of `apply_transform` for one image, as @graft/data's decode
 * workers call it (unless the active backend has a native batched kernel, the whole
 * per-image pipeline then runs off the main thread). Same code as the
 * ImageAffineTransform kernel's reference.
 */
import { type AffineMatrix, type FillMode, type SourcePixels, sampleImage } from "./sampler.ts";

export interface WorkerTransformArgs {
  matrix: AffineMatrix | null;
  flips: number;
  fillMode: FillMode;
  cval: number;
  order: 0 | 1;
  scale: number;
}

export function transformImage(
  src: SourcePixels,
  shape: readonly [number, number, number],
  args: WorkerTransformArgs,
  out: Float32Array,
  offset: number,
): void {
  const [h, w, c] = shape;
  sampleImage(
    src,
    0,
    h,
    w,
    c,
    out,
    offset,
    args.matrix,
    (args.flips & 1) !== 0,
    (args.flips & 2) !== 0,
    {
      fillMode: args.fillMode,
      cval: args.cval,
      order: args.order,
      scale: args.scale,
    },
  );
}
