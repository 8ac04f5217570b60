/**
 * Keras weight files (every HDF5 layout and .keras archives) for tfjs-layers
 * models, and Keras' `get_file`.
 *
 * @module @graft/weights
 */
export {
  type ReplaceAtomicOptions,
  removeStrayTemporaries,
  replaceAtomic,
  systemCode,
  temporaryPath,
  toWriteError,
  WriteError,
  writeFileAtomic,
} from "./atomic.ts";
export { WeightsError } from "./errors.ts";
export {
  GetFileError,
  type GetFileOptions,
  getFile,
  type HashAlgorithm,
  KERAS_APPLICATIONS_BASE_URL,
  type ProgressCallback,
  WEIGHTS_BASE_URL_ENV,
} from "./get-file.ts";
export {
  type FetchOfficialWeightsOptions,
  fetchMobileNetV2Weights,
  fetchMobileNetV3Weights,
  fetchMobileNetWeights,
  fetchOfficialWeights,
  MOBILENET_V2_WEIGHT_ALPHAS,
  MOBILENET_V2_WEIGHT_ROWS,
  MOBILENET_WEIGHT_ALPHAS,
  MOBILENET_WEIGHT_ROWS,
  type MobileNetV2WeightsFile,
  type MobileNetV3Type,
  mobileNetV2Weights,
  mobileNetV3Weights,
  mobileNetWeights,
  OFFICIAL_MODELS,
  type OfficialModel,
  type OfficialWeightsFile,
  officialWeights,
  weightsBaseUrl,
} from "./keras-applications.ts";
export {
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  HardSilu,
  HardSwish,
  KERAS3_ACTIVATION_NAMES,
  type KeepDimsPoolingArgs,
  Keras3HardSigmoid,
} from "./keras3-layers.ts";
export {
  keras3LayerKeys,
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadWeights,
  toSnakeCase,
} from "./load.ts";
export {
  KERAS3_LAYOUT_VERSION,
  type KerasJson,
  type KerasJsonObject,
  kerasConfigToTfjs,
  type LoadKerasModelOptions,
  loadKerasModel,
  type ModelFileFormat,
  readModelMetadata,
  type SaveKerasModelOptions,
  saveKerasModel,
  tfjsToKeras2Config,
  tfjsToKeras3Config,
} from "./model-file.ts";
export { ProgressBar, type ProgressBarOptions } from "./progress.ts";
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_TIME_LIMIT_MS,
  type KerasWeightsFile,
  type OpenWeightsOptions,
  openWeights,
  type StoredLayer,
  type StoredWeight,
  type WeightLayout,
} from "./read.ts";
export {
  KERAS2_LAYOUT_VERSION,
  type SaveWeightsOptions,
  saveWeights,
  type WeightsFormat,
  writeAtomically,
  writeKeras2Group,
} from "./save.ts";
