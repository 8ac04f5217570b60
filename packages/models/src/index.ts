/**
 * Keras applications (VGG16/19, ResNet50/101/152 and their V2s, MobileNetV2, DenseNet121/169/201,
 * Xception, InceptionV3, InceptionResNetV2, NASNetMobile/Large, EfficientNetB0-B7, EfficientNetV2B0-L) on tfjs-layers with Keras' layer names, freezing, summaries and cuts. Importing it makes frozen BatchNormalization
 * layers run in inference mode, as in Keras (see `useKerasBatchNormRule`).
 *
 * @module @graft/models
 */
export {
  type ApplicationOptions,
  applicationPooling,
  applicationTop,
  type CheckedApplicationOptions,
  checkApplicationOptions,
  correctPad,
  KERAS_KERNEL_INIT,
  KerasNames,
  loadApplicationWeights,
  POOL_NAMES,
  type PoolingNames,
} from "./application.ts";
export {
  APPLICATION_NAMES,
  type ApplicationInfo,
  type ApplicationName,
  application,
  isApplicationName,
  stageEnds,
} from "./applications.ts";
export { isFrozenBatchNorm, useKerasBatchNormRule } from "./batchnorm.ts";
export { cutAt } from "./cut.ts";
export {
  buildDenseNet,
  DENSENET_VARIANTS,
  DenseNet,
  DenseNet121,
  DenseNet169,
  DenseNet201,
  type DenseNetOptions,
  type DenseNetVariant,
} from "./densenet.ts";
export {
  buildEfficientNet,
  EFFICIENTNET_VARIANTS,
  EfficientNet,
  type EfficientNetOptions,
  type EfficientNetVariant,
  efficientNetSize,
} from "./efficientnet.ts";
export {
  buildEfficientNetV2,
  EFFICIENTNET_V2_VARIANTS,
  EfficientNetV2,
  type EfficientNetV2Options,
  type EfficientNetV2Variant,
  efficientNetV2Size,
} from "./efficientnet-v2.ts";
export { ModelsError } from "./errors.ts";
export { foldBatchNorm, unfoldAt } from "./fold-bn.ts";
export { type FreezeSpec, freezeCountUntil, freezeLayers, unfreezeLayers } from "./freeze.ts";
export { fuseConvBiasRelu, fusedConv2DGradConfig } from "./fused-conv.ts";
export {
  buildInceptionResNetV2,
  CustomScaleLayer,
  type CustomScaleLayerArgs,
  InceptionResNetV2,
  type InceptionResNetV2Options,
} from "./inception-resnet-v2.ts";
export { buildInceptionV3, InceptionV3, type InceptionV3Options } from "./inception-v3.ts";
export { buildMobileNet, MOBILENET_ALPHAS, MobileNet, type MobileNetOptions } from "./mobilenet.ts";
export {
  buildMobileNetV2,
  MOBILENET_V2_ALPHAS,
  MobileNetV2,
  type MobileNetV2Options,
  makeDivisible,
} from "./mobilenet-v2.ts";
export { buildMobileNetV3, MobileNetV3, type MobileNetV3Options } from "./mobilenet-v3.ts";
export {
  buildNASNet,
  NASNET_VARIANTS,
  NASNet,
  type NASNetOptions,
  type NASNetVariant,
  nasnetSize,
} from "./nasnet.ts";
export { Normalization, type NormalizationArgs } from "./normalization.ts";
export {
  IMAGENET_BGR_MEAN,
  IMAGENET_RGB_MEAN,
  IMAGENET_RGB_STD,
  PREPROCESS_MODES,
  type PreprocessMode,
  preprocessInput,
} from "./preprocess.ts";
export {
  buildResNet,
  RESNET_VARIANTS,
  ResNet,
  ResNet50,
  ResNet50V2,
  ResNet101,
  ResNet101V2,
  ResNet152,
  ResNet152V2,
  type ResNetOptions,
  type ResNetStack,
  type ResNetVariant,
  resnetPreprocessMode,
} from "./resnet.ts";
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
  KERAS_VGG_FILTERS,
  VGG,
  VGG16,
  VGG19,
  type VGGOptions,
  type VGGVariant,
} from "./vgg.ts";
export { buildXception, checkFilterScale, Xception, type XceptionOptions } from "./xception.ts";
