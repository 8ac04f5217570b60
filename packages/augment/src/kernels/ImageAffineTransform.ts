/**
 * The batched geometric step of Keras' `apply_transform` as one tfjs kernel:
 * per image, `scipy.ndimage.affine_transform` (as Keras calls it) followed by
 * the optional horizontal and vertical flips.
 *
 * Kernel contract, for backends that implement it natively (graft-cpu, graft-cuda):
 *
 *   name:    "ImageAffineTransform"
 *   inputs:  { images: float32 [B, H, W, C] }
 *   attrs:   transforms: number[6·B]  per image [a00, a01, b0, a10, a11, b1] in float64:
 *                                      input (row, col) = (b0 + a00·r + a01·c,
 *                                                          b1 + a10·r + a11·c)
 *                                      summed in that order; NaN in a00 = no resampling
 *                                      (copy). Attributes, not a tensor, because float32
 *                                      matrices would move sharp edges by ~1e-5 px,
 *                                      enough to miss scipy by more than 1e-3.
 *            flips: number[B]         bit 0: reverse columns, bit 1: reverse rows,
 *                                      applied to the affine output
 *            fillMode: "constant" | "nearest" | "reflect" | "wrap"   (scipy's modes)
 *            cval: number             value for constant fill
 *            order: 0 | 1             spline order
 *            scale: number            (optional, default 1) each float32 result is
 *                                      multiplied by float32(scale) and rounded to
 *                                      float32: Keras' rescale, fused when nothing
 *                                      else runs between the two
 *   output:  float32 [B, H, W, C]
 *
 * The exact sampling rules are in ../sampler.ts. A backend named "graft-cpu"
 * that copies cpu's kernels gets this one too if it is registered first; call
 * `registerImageAffineTransform(backendName)` to add it to any backend.
 */
import {
  cast,
  engine,
  getBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  registerKernel,
  type Tensor4D,
  type TensorInfo,
  tensor4d,
} from "@tensorflow/tfjs-core";
import { type AffineMatrix, type FillMode, sampleImage } from "../sampler.ts";

/** The kernel's name, as backends register it. */
export const ImageAffineTransform = "ImageAffineTransform";

/** The kernel's attributes (see the module comment for the exact contract). */
export interface ImageAffineTransformAttrs {
  /**
   * Six numbers per image, [a00, a01, b0, a10, a11, b1]: input (row, col) from output (r, c); NaN
   * in a00 copies the image.
   */
  transforms: number[];
  /** One per image: bit 0 reverses the columns, bit 1 the rows, after the affine step. */
  flips: number[];
  /** How points outside the image are filled (scipy's modes). */
  fillMode: FillMode;
  /** The value for fillMode "constant". */
  cval: number;
  /** Spline order: 0 nearest, 1 bilinear. */
  order: 0 | 1;
  /** Multiplies each float32 result (Keras' rescale, fused); default 1. */
  scale?: number;
}

/** The reference implementation on plain arrays: also what native kernels are tested against. */
export function imageAffineTransformRef(
  images: Float32Array,
  shape: readonly number[],
  attrs: ImageAffineTransformAttrs,
  out: Float32Array = new Float32Array(images.length),
): Float32Array {
  const [b, h, w, c] = shape as [number, number, number, number];
  const size = h * w * c;
  const options = {
    fillMode: attrs.fillMode,
    cval: attrs.cval,
    order: attrs.order,
    scale: attrs.scale ?? 1,
  };
  for (let i = 0; i < b; i++) {
    const t = attrs.transforms;
    const m: AffineMatrix | null = Number.isNaN(t[6 * i])
      ? null
      : [
          t[6 * i] as number,
          t[6 * i + 1] as number,
          t[6 * i + 2] as number,
          t[6 * i + 3] as number,
          t[6 * i + 4] as number,
          t[6 * i + 5] as number,
        ];
    const f = attrs.flips[i] ?? 0;
    sampleImage(images, i * size, h, w, c, out, i * size, m, (f & 1) !== 0, (f & 2) !== 0, options);
  }
  return out;
}

const cpuKernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const images = inputs.images as TensorInfo;
  const kernelBackend = backend as {
    readSync(dataId: object): unknown;
    write(values: Float32Array, shape: number[], dtype: "float32"): object;
  };
  const values = kernelBackend.readSync(images.dataId) as Float32Array;
  const out = imageAffineTransformRef(
    values,
    images.shape,
    attrs as unknown as ImageAffineTransformAttrs,
  );
  const dataId = kernelBackend.write(out, images.shape, "float32");
  return { dataId, shape: images.shape.slice(), dtype: "float32" };
};

/** Registers the JS implementation for a backend (idempotent). */
export function registerImageAffineTransform(backendName: string): void {
  if (getKernel(ImageAffineTransform, backendName)) return;
  const config: KernelConfig = {
    kernelName: ImageAffineTransform,
    backendName,
    kernelFunc: cpuKernelFunc,
  };
  registerKernel(config);
}

registerImageAffineTransform("cpu");

/**
 * Whether the active backend runs this kernel natively: registered for it with a
 * kernel of its own, not the JS reference above (which reads the batch back and
 * transforms it on the main thread, where decode workers would do it in parallel).
 */
export function hasNativeImageAffineTransform(): boolean {
  const kernel = getKernel(ImageAffineTransform, getBackend());
  return kernel !== undefined && kernel.kernelFunc !== cpuKernelFunc;
}

function check(images: Tensor4D, attrs: ImageAffineTransformAttrs): void {
  if (images.rank !== 4) {
    throw new Error(
      `ImageAffineTransform: expected images of rank 4 but received shape [${images.shape}]`,
    );
  }
  const b = images.shape[0];
  if (attrs.transforms.length !== 6 * b) {
    throw new Error(
      `ImageAffineTransform: expected ${6 * b} transform values for a batch of ${b} but received ${attrs.transforms.length}`,
    );
  }
  if (attrs.flips.length !== b) {
    throw new Error(`ImageAffineTransform: expected ${b} flips but received ${attrs.flips.length}`);
  }
}

/**
 * Runs the kernel on the active backend; on a backend without it, the images are
 * read back and transformed by the reference implementation.
 */
export function imageAffineTransform(images: Tensor4D, attrs: ImageAffineTransformAttrs): Tensor4D {
  check(images, attrs);
  const input = images.dtype === "float32" ? images : cast(images, "float32");
  try {
    if (getKernel(ImageAffineTransform, getBackend())) {
      return engine().runKernel(
        ImageAffineTransform,
        { images: input },
        attrs as unknown as NamedAttrMap,
      ) as Tensor4D;
    }
    const out = imageAffineTransformRef(input.dataSync() as Float32Array, input.shape, attrs);
    return tensor4d(out, input.shape, "float32");
  } finally {
    if (input !== images) input.dispose();
  }
}
