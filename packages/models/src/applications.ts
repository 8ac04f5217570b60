/**
 * The keras.applications networks graft builds, by the names Keras' weight files and graft's
 * `--model` flag use: how to build each, load its weights, and prepare its inputs.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ApplicationOptions } from "./application.ts";
import { buildDenseNet, DenseNet, type DenseNetVariant } from "./densenet.ts";
import {
  buildEfficientNet,
  EFFICIENTNET_VARIANTS,
  EfficientNet,
  type EfficientNetVariant,
  efficientNetSize,
} from "./efficientnet.ts";
import {
  buildEfficientNetV2,
  EFFICIENTNET_V2_VARIANTS,
  EfficientNetV2,
  type EfficientNetV2Variant,
  efficientNetV2SecondStageBlocks,
  efficientNetV2Size,
} from "./efficientnet-v2.ts";
import { ModelsError } from "./errors.ts";
import { buildInceptionResNetV2, InceptionResNetV2 } from "./inception-resnet-v2.ts";
import { buildInceptionV3, InceptionV3 } from "./inception-v3.ts";
import { buildMobileNet, MobileNet } from "./mobilenet.ts";
import { buildMobileNetV2, MobileNetV2 } from "./mobilenet-v2.ts";
import { buildMobileNetV3, MobileNetV3 } from "./mobilenet-v3.ts";
import {
  buildNASNet,
  NASNET_VARIANTS,
  NASNet,
  type NASNetVariant,
  nasnetEarlyLayer,
  nasnetSize,
} from "./nasnet.ts";
import type { PreprocessMode } from "./preprocess.ts";
import { buildResNet, ResNet, type ResNetVariant, resnetPreprocessMode } from "./resnet.ts";
import { buildVGG, VGG, type VGGVariant } from "./vgg.ts";
import { buildXception, Xception } from "./xception.ts";

/** The name of a keras.applications network graft builds. */
export type ApplicationName =
  | VGGVariant
  | ResNetVariant
  | "mobilenet"
  | "mobilenetv2"
  | "mobilenetv3small"
  | "mobilenetv3large"
  | DenseNetVariant
  | "xception"
  | "inception_v3"
  | "inception_resnet_v2"
  | NASNetVariant
  | EfficientNetVariant
  | EfficientNetV2Variant;

/** What graft knows of one application. */
export interface ApplicationInfo {
  /** The name (`resnet50`), as in Keras' weight files and graft's `--model`. */
  name: ApplicationName;
  /** Keras' constructor (`ResNet50`). */
  kerasName: string;
  /** The family (`vgg`, `resnet`, `resnet_v2`), as Keras' module names it. */
  family:
    | "vgg16"
    | "vgg19"
    | "resnet"
    | "resnet_v2"
    | "mobilenet"
    | "mobilenet_v2"
    | "mobilenet_v3"
    | "densenet"
    | "xception"
    | "inception_v3"
    | "inception_resnet_v2"
    | "nasnet"
    | "efficientnet"
    | "efficientnet_v2";
  /** Keras' default input side (224; 299 for Xception and InceptionV3; 224–600 for EfficientNets). */
  defaultSize: number;
  /** The smallest input side Keras accepts (32; 71 for Xception, 75 for InceptionV3). */
  minSize: number;
  /** How inputs are prepared, as the family's `preprocess_input`. */
  preprocess: PreprocessMode;
  /**
   * An early layer whose features are still generic (the end of the second stage, at a quarter
   * or an eighth of the input's resolution): where small-different cuts and recommend probes.
   */
  earlyLayer: string;
  /** Builds it with random weights. */
  build: (options?: ApplicationOptions) => tfl.LayersModel;
  /** Builds it and loads `options.weights` (default "imagenet"). */
  load: (options?: ApplicationOptions) => Promise<tfl.LayersModel>;
}

const KERAS_NAMES: Record<ApplicationName, string> = {
  vgg16: "VGG16",
  vgg19: "VGG19",
  resnet50: "ResNet50",
  resnet101: "ResNet101",
  resnet152: "ResNet152",
  resnet50v2: "ResNet50V2",
  resnet101v2: "ResNet101V2",
  resnet152v2: "ResNet152V2",
  mobilenet: "MobileNet",
  mobilenetv2: "MobileNetV2",
  mobilenetv3small: "MobileNetV3Small",
  mobilenetv3large: "MobileNetV3Large",
  densenet121: "DenseNet121",
  densenet169: "DenseNet169",
  densenet201: "DenseNet201",
  xception: "Xception",
  inception_v3: "InceptionV3",
  inception_resnet_v2: "InceptionResNetV2",
  nasnetmobile: "NASNetMobile",
  nasnetlarge: "NASNetLarge",
  efficientnetb0: "EfficientNetB0",
  efficientnetb1: "EfficientNetB1",
  efficientnetb2: "EfficientNetB2",
  efficientnetb3: "EfficientNetB3",
  efficientnetb4: "EfficientNetB4",
  efficientnetb5: "EfficientNetB5",
  efficientnetb6: "EfficientNetB6",
  efficientnetb7: "EfficientNetB7",
  efficientnetv2b0: "EfficientNetV2B0",
  efficientnetv2b1: "EfficientNetV2B1",
  efficientnetv2b2: "EfficientNetV2B2",
  efficientnetv2b3: "EfficientNetV2B3",
  efficientnetv2s: "EfficientNetV2S",
  efficientnetv2m: "EfficientNetV2M",
  efficientnetv2l: "EfficientNetV2L",
};

/** Every application's name, in Keras' order of families. */
export const APPLICATION_NAMES = Object.keys(KERAS_NAMES) as ApplicationName[];

// Keras' depth coefficients, for the EfficientNets' stage names.
const EFFICIENTNET_DEPTH: Record<EfficientNetVariant, number> = {
  efficientnetb0: 1.0,
  efficientnetb1: 1.1,
  efficientnetb2: 1.2,
  efficientnetb3: 1.4,
  efficientnetb4: 1.8,
  efficientnetb5: 2.2,
  efficientnetb6: 2.6,
  efficientnetb7: 3.1,
};

function info(name: ApplicationName): ApplicationInfo {
  const kerasName = KERAS_NAMES[name];
  if (name === "vgg16" || name === "vgg19") {
    return {
      name,
      kerasName,
      family: name,
      defaultSize: 224,
      minSize: 32,
      preprocess: "caffe",
      earlyLayer: "block2_pool",
      build: (o = {}) => buildVGG(name, o),
      load: (o = {}) => VGG(name, o),
    };
  }
  if (name === "mobilenet") {
    return {
      name,
      kerasName,
      family: "mobilenet",
      defaultSize: 224,
      minSize: 32,
      preprocess: "tf",
      // The end of the third block (128 channels at 1/4 of the input).
      earlyLayer: "conv_pw_3_relu",
      build: (o = {}) => buildMobileNet(o),
      load: (o = {}) => MobileNet(o),
    };
  }
  if (name === "mobilenetv2") {
    return {
      name,
      kerasName,
      family: "mobilenet_v2",
      defaultSize: 224,
      minSize: 32,
      preprocess: "tf",
      earlyLayer: "block_2_add",
      build: (o = {}) => buildMobileNetV2(o),
      load: (o = {}) => MobileNetV2(o),
    };
  }
  if (name === "mobilenetv3small" || name === "mobilenetv3large") {
    const type = name === "mobilenetv3small" ? "small" : "large";
    return {
      name,
      kerasName,
      family: "mobilenet_v3",
      defaultSize: 224,
      minSize: 32,
      // The model rescales 0–255 pixels to [-1, 1] itself.
      preprocess: "none",
      // The last block at 1/8 of the input (Small: 24 channels; Large: 40).
      earlyLayer: type === "small" ? "expanded_conv_2_add" : "expanded_conv_5_add",
      build: (o = {}) => buildMobileNetV3(type, o),
      load: (o = {}) => MobileNetV3(type, o),
    };
  }
  if (name === "densenet121" || name === "densenet169" || name === "densenet201") {
    return {
      name,
      kerasName,
      family: "densenet",
      defaultSize: 224,
      minSize: 32,
      preprocess: "torch",
      // The second dense stage's transition: 1/8 of the input, 128 channels.
      earlyLayer: "pool2_pool",
      build: (o = {}) => buildDenseNet(name, o),
      load: (o = {}) => DenseNet(name, o),
    };
  }
  if (name === "xception") {
    return {
      name,
      kerasName,
      family: "xception",
      defaultSize: 299,
      minSize: 71,
      preprocess: "tf",
      // The sum that ends the second entry block (block3_pool + its projection): 1/8 of the
      // input, 256 channels.
      earlyLayer: "add_1",
      build: (o = {}) => buildXception(o),
      load: (o = {}) => Xception(o),
    };
  }
  if (name === "inception_v3") {
    return {
      name,
      kerasName,
      family: "inception_v3",
      defaultSize: 299,
      minSize: 75,
      preprocess: "tf",
      // The last 35×35 module (at 299 px): 1/8 of the input, 288 channels.
      earlyLayer: "mixed2",
      build: (o = {}) => buildInceptionV3(o),
      load: (o = {}) => InceptionV3(o),
    };
  }
  if (name === "inception_resnet_v2") {
    return {
      name,
      kerasName,
      family: "inception_resnet_v2",
      defaultSize: 299,
      minSize: 75,
      preprocess: "tf",
      // The last Inception-ResNet-A block (at 299 px: 35×35, 1/8 of the input, 320 channels).
      earlyLayer: "block35_10_ac",
      build: (o = {}) => buildInceptionResNetV2(o),
      load: (o = {}) => InceptionResNetV2(o),
    };
  }
  if ((NASNET_VARIANTS as readonly string[]).includes(name)) {
    const variant = name as NASNetVariant;
    return {
      name,
      kerasName,
      family: "nasnet",
      defaultSize: nasnetSize(variant),
      minSize: 32,
      preprocess: "tf",
      // The last normal cell of the first run: 1/8 of the input (Mobile: 264 channels).
      earlyLayer: nasnetEarlyLayer(variant),
      build: (o = {}) => buildNASNet(variant, o),
      load: (o = {}) => NASNet(variant, o),
    };
  }
  if ((EFFICIENTNET_VARIANTS as readonly string[]).includes(name)) {
    const variant = name as EfficientNetVariant;
    return {
      name,
      kerasName,
      family: "efficientnet",
      defaultSize: efficientNetSize(variant),
      minSize: 32,
      // The model rescales and normalises 0–255 pixels itself.
      preprocess: "none",
      // The second stage's last block: 1/4 of the input, 24 channels (B0) to 32 (B7).
      earlyLayer: `block2${String.fromCharCode(96 + Math.ceil(EFFICIENTNET_DEPTH[variant] * 2))}_add`,
      build: (o = {}) => buildEfficientNet(variant, o),
      load: (o = {}) => EfficientNet(variant, o),
    };
  }
  if ((EFFICIENTNET_V2_VARIANTS as readonly string[]).includes(name)) {
    const variant = name as EfficientNetV2Variant;
    return {
      name,
      kerasName,
      family: "efficientnet_v2",
      defaultSize: efficientNetV2Size(variant),
      minSize: 32,
      // The model rescales (and for B0–B3 normalises) 0–255 pixels itself.
      preprocess: "none",
      // The second stage's last block: 1/4 of the input, 32 (B0) to 96 (L) channels.
      earlyLayer: `block2${String.fromCharCode(96 + efficientNetV2SecondStageBlocks(variant))}_add`,
      build: (o = {}) => buildEfficientNetV2(variant, o),
      load: (o = {}) => EfficientNetV2(variant, o),
    };
  }
  const variant = name as ResNetVariant;
  return {
    name,
    kerasName,
    family: variant.endsWith("v2") ? "resnet_v2" : "resnet",
    defaultSize: 224,
    minSize: 32,
    preprocess: resnetPreprocessMode(variant),
    earlyLayer: "conv2_block3_out",
    build: (o = {}) => buildResNet(variant, o),
    load: (o = {}) => ResNet(variant, o),
  };
}

/** Whether `name` is an application graft builds. */
export function isApplicationName(name: string): name is ApplicationName {
  return Object.hasOwn(KERAS_NAMES, name);
}

/**
 * The application named `name` (case-insensitive, so `ResNet50` works too); an unknown name
 * throws with the list of names.
 */
export function application(name: string): ApplicationInfo {
  const key = name.toLowerCase();
  if (!isApplicationName(key)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown model ${JSON.stringify(name)}; expected one of ${APPLICATION_NAMES.join(", ")}`,
    );
  }
  return info(key);
}

/**
 * The layers that end a stage of `model`, the natural places to cut it: VGG's `blockN_pool`,
 * the last block's output of each ResNet stack (`conv4_block6_out`), MobileNet's blocks before
 * each strided one (`conv_pw_3_relu`), MobileNetV2's and MobileNetV3's residual sums
 * (`block_2_add`, `expanded_conv_5_add`), DenseNet's transitions (`pool3_pool`), the sum
 * after each of Xception's pooled blocks (`add_1`, which takes `block3_pool`), InceptionV3's
 * modules (`mixed5`), InceptionResNetV2's modules and the last block of each of its runs
 * (`mixed_6a`, `block17_20_ac`, `conv_7b_ac`), the last block of each EfficientNet and EfficientNetV2 stage
 * (`block2b_add`, or `block1a_project_bn` / `block1a_project_activation` for a stage of one
 * block), NASNet's reduction cells and the last normal cell before each (`normal_concat_3`,
 * `reduction_concat_reduce_4`). In model order.
 */
export function stageEnds(model: tfl.LayersModel): string[] {
  const lastOfStack = new Map<string, string>();
  const names: string[] = [];
  for (const l of model.layers) {
    const m =
      /^(conv\d+)_block\d+_out$/.exec(l.name) ??
      /^block(\d+)[a-z]+_(?:add|project_bn|project_activation)$/.exec(l.name) ??
      /^(block(?:35|17|8))_\d+_ac$/.exec(l.name);
    if (m) lastOfStack.set(m[1] as string, l.name);
    else if (
      /^(?:block_\d+_|expanded_conv_(?:\d+_)?)add$|^mixed\d+$|^mixed_\d[a-z]$|^conv_7b_ac$/.test(
        l.name,
      )
    ) {
      names.push(l.name);
    } else if (/^conv_pad_\d+$/.test(l.name)) {
      // MobileNet: the block before each strided one ends a stage.
      const prev = l.inboundNodes[0]?.inboundLayers[0];
      if (prev) names.push(prev.name);
    } else if (
      /_pool$/.test(l.name) &&
      l.name !== "pool1_pool" &&
      // The top's pooling, and MobileNetV3's squeeze-and-excitation, pool globally.
      !l.getClassName().startsWith("Global")
    ) {
      // A pool summed with a shortcut (Xception) ends its stage at the sum.
      const next = l.outboundNodes.map((n) => n.outboundLayer);
      const sum = next.length === 1 && next[0]?.getClassName() === "Add" ? next[0] : null;
      names.push(sum ? sum.name : l.name);
    }
  }
  // NASNet: every reduction cell, and the last normal cell before each reduction and the end.
  const all = new Set(model.layers.map((l) => l.name));
  for (const n of all) {
    const cell = /^normal_concat_(\d+)$/.exec(n);
    if (/^reduction_concat_/.test(n)) names.push(n);
    else if (cell) {
      const k = Number(cell[1]);
      if (!all.has(`normal_concat_${k + 1}`) || all.has(`reduction_concat_reduce_${k}`)) {
        names.push(n);
      }
    }
  }
  const ends = new Set([...names, ...lastOfStack.values()]);
  return model.layers.map((l) => l.name).filter((n) => ends.has(n));
}
