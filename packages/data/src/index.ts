/**
 * Directory image datasets with Keras' `flow_from_directory` semantics, decoded
 * with sharp (libvips) off the main thread.
 *
 * @module @graft/data
 */
export { decodeBmp, decodePnm, UnsupportedImageError } from "./bitmap.ts";
export {
  COLOR_MODES,
  type ColorMode,
  decodeImage,
  type LoadedImage,
  type LoadOptions,
  loadImage,
} from "./decode.ts";
export {
  compareCodePoints,
  type DirectoryListing,
  EXTRA_FORMATS,
  type ExtraFormat,
  type InvalidPolicy,
  KERAS_FORMATS,
  type ListOptions,
  listDirectory,
  type SkippedFile,
  type Subset,
} from "./directory.ts";
export { DataError, ImageReadError, imageFailure } from "./errors.ts";
export {
  type Batch,
  type BatchTransform,
  CLASS_MODES,
  type ClassMode,
  DirectoryIterator,
  type FlowOptions,
  flowFromDirectory,
  type IteratorCheckpoint,
} from "./iterator.ts";
export { RandomState, randomSeed } from "./random.ts";
export {
  type Box,
  INTERPOLATIONS,
  type Interpolation,
  keepAspectBox,
  type Pixels,
  resizePixels,
} from "./resize.ts";
