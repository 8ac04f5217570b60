/**
 * The keras.applications networks graft builds, by the names Keras' weight files and graft's
 * `--model` flag use: how to build each, load its weights, and prepare its inputs.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ApplicationOptions } from "./application.ts";
import { ModelsError } from "./errors.ts";
import { buildMobileNetV2, MobileNetV2 } from "./mobilenet-v2.ts";
import type { PreprocessMode } from "./preprocess.ts";
import { buildResNet, ResNet, type ResNetVariant, resnetPreprocessMode } from "./resnet.ts";
import { buildVGG, VGG, type VGGVariant } from "./vgg.ts";

/** The name of a keras.applications network graft builds. */
export type ApplicationName = VGGVariant | ResNetVariant | "mobilenetv2";

/** What graft knows of one application. */
export interface ApplicationInfo {
  /** The name (`resnet50`), as in Keras' weight files and graft's `--model`. */
  name: ApplicationName;
  /** Keras' constructor (`ResNet50`). */
  kerasName: string;
  /** The family (`vgg`, `resnet`, `resnet_v2`), as Keras' module names it. */
  family: "vgg16" | "vgg19" | "resnet" | "resnet_v2" | "mobilenet_v2";
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
  mobilenetv2: "MobileNetV2",
};

/** Every application's name, in Keras' order of families. */
export const APPLICATION_NAMES = Object.keys(KERAS_NAMES) as ApplicationName[];

function info(name: ApplicationName): ApplicationInfo {
  const kerasName = KERAS_NAMES[name];
  if (name === "vgg16" || name === "vgg19") {
    return {
      name,
      kerasName,
      family: name,
      preprocess: "caffe",
      earlyLayer: "block2_pool",
      build: (o = {}) => buildVGG(name, o),
      load: (o = {}) => VGG(name, o),
    };
  }
  if (name === "mobilenetv2") {
    return {
      name,
      kerasName,
      family: "mobilenet_v2",
      preprocess: "tf",
      earlyLayer: "block_2_add",
      build: (o = {}) => buildMobileNetV2(o),
      load: (o = {}) => MobileNetV2(o),
    };
  }
  const variant = name as ResNetVariant;
  return {
    name,
    kerasName,
    family: variant.endsWith("v2") ? "resnet_v2" : "resnet",
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
 * the last block's output of each ResNet stack (`conv4_block6_out`), MobileNetV2's residual
 * sums (`block_2_add`). In model order.
 */
export function stageEnds(model: tfl.LayersModel): string[] {
  const lastOfStack = new Map<string, string>();
  const names: string[] = [];
  for (const l of model.layers) {
    const m = /^(conv\d+)_block\d+_out$/.exec(l.name);
    if (m) lastOfStack.set(m[1] as string, l.name);
    else if (/^block_\d+_add$/.test(l.name)) names.push(l.name);
    else if (/_pool$/.test(l.name) && l.name !== "pool1_pool" && l.name !== "avg_pool")
      names.push(l.name);
  }
  const ends = new Set([...names, ...lastOfStack.values()]);
  return model.layers.map((l) => l.name).filter((n) => ends.has(n));
}
