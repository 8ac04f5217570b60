/**
 * Keras' `ImageDataGenerator` on tfjs: every parameter, Keras' order of
 * operations, scipy's affine sampler as one batched kernel.
 *
 * @module @graft/augment
 */
export { parseGeneratorConfig } from "./config.ts";
export {
  type GeneratorFlowOptions,
  ImageDataGenerator,
  type ImageDataGeneratorOptions,
} from "./generator.ts";
export {
  hasNativeImageAffineTransform,
  ImageAffineTransform,
  type ImageAffineTransformAttrs,
  imageAffineTransform,
  imageAffineTransformRef,
  registerImageAffineTransform,
} from "./kernels/ImageAffineTransform.ts";
export { zcaMatrix } from "./linalg.ts";
export { type AffineParams, kerasAffineMatrix, SEMANTICS, type Semantics } from "./matrix.ts";
export {
  drawRandomTransform,
  type RandomConfig,
  type ShiftRange,
  type TransformParams,
} from "./params.ts";
export { type AffineMatrix, FILL_MODES, type FillMode, sampleImage } from "./sampler.ts";
export { applyTransform, applyTransformBatch, type TransformOptions } from "./transform.ts";

import type { RandomState } from "@graft/data";
import type { ImageDataGenerator } from "./generator.ts";
import type { TransformParams } from "./params.ts";

/**
 * Keras' `ImageDataGenerator.get_random_transform` without a generator object:
 * `getRandomTransform(gen, imgShape, seed)` or with an explicit random stream.
 */
export function getRandomTransform(
  generator: ImageDataGenerator,
  imgShape: readonly number[],
  seedOrRng?: number | RandomState | null,
): Required<TransformParams> {
  if (typeof seedOrRng === "number") return generator.getRandomTransform(imgShape, seedOrRng);
  return generator.getRandomTransform(imgShape, null, seedOrRng ?? undefined);
}
