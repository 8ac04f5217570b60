/**
 * Keras applications (VGG16, VGG19) on tfjs-layers with Keras' layer names,
 * freezing, summaries and cuts.
 *
 * @module @graft/models
 */
export { cutAt } from "./cut.ts";
export { ModelsError } from "./errors.ts";
export { type FreezeSpec, freezeLayers, unfreezeLayers } from "./freeze.ts";
export { fuseConvBiasRelu, fusedConv2DGradConfig } from "./fused-conv.ts";
export { IMAGENET_BGR_MEAN, type PreprocessMode, preprocessInput } from "./preprocess.ts";
export {
  formatBytes,
  formatCount,
  formatSummary,
  type ModelSummary,
  type SummaryRow,
  summarize,
} from "./summary.ts";
export {
  buildVGG,
  KERAS_KERNEL_INIT,
  KERAS_VGG_FILTERS,
  VGG,
  VGG16,
  VGG19,
  type VGGOptions,
  type VGGVariant,
} from "./vgg.ts";
