/**
 * ResNet50/101/152 and ResNet50V2/101V2/152V2 as keras.applications builds them
 * (keras/src/applications/resnet.py, resnet_v2.py), with Keras' exact layer names, layer
 * order and parameter counts: the contract with the official weight files.
 *
 * v1 (`resnet50`…): conv1 7×7/2 + BN + relu, a 3×3/2 max pool, then bottleneck blocks
 * `convS_blockB_{0,1,2,3}_{conv,bn}` with the stride on the first 1×1 convolution, a
 * projection shortcut (`_0_conv`) in each stack's first block and `_add` + `_out` (relu).
 * v2 (`resnet50v2`…): pre-activation blocks (`_preact_bn`, `_preact_relu` first, no BN
 * after the last 1×1, `_out` is the Add), the stride on each stack's *last* block, where the
 * identity shortcut becomes a 1×1/2 max pool, and `post_bn` + `post_relu` at the end.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationTop,
  checkApplicationOptions,
  KERAS_KERNEL_INIT,
  KerasNames,
  loadApplicationWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";
import type { PreprocessMode } from "./preprocess.ts";

/** The six ResNets of keras.applications. */
export type ResNetVariant =
  | "resnet50"
  | "resnet101"
  | "resnet152"
  | "resnet50v2"
  | "resnet101v2"
  | "resnet152v2";

/** One stack of residual blocks: bottleneck filters and block count. */
export type ResNetStack = [filters: number, blocks: number];

/** Options of `ResNet` and `buildResNet`: keras.applications' plus one graft extension. */
export interface ResNetOptions extends ApplicationOptions {
  /**
   * graft extension: the stacks (Keras: [64, 3], [128, 4], [256, 6], [512, 3] for ResNet50),
   * for narrow test bases. Named conv2, conv3, … as in Keras; `weights: "imagenet"` needs
   * Keras' own.
   */
  stacks?: ResNetStack[];
}

const STACKS: Record<ResNetVariant, ResNetStack[]> = {
  resnet50: [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ],
  resnet101: [
    [64, 3],
    [128, 4],
    [256, 23],
    [512, 3],
  ],
  resnet152: [
    [64, 3],
    [128, 8],
    [256, 36],
    [512, 3],
  ],
  resnet50v2: [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ],
  resnet101v2: [
    [64, 3],
    [128, 4],
    [256, 23],
    [512, 3],
  ],
  resnet152v2: [
    [64, 3],
    [128, 8],
    [256, 36],
    [512, 3],
  ],
};

/** Every ResNet variant, in Keras' order. */
export const RESNET_VARIANTS = Object.keys(STACKS) as ResNetVariant[];

/** How each ResNet's inputs are prepared: caffe for v1, tf (±1) for v2, as Keras' preprocess_input. */
export function resnetPreprocessMode(variant: ResNetVariant): PreprocessMode {
  return variant.endsWith("v2") ? "tf" : "caffe";
}

type T = tfl.SymbolicTensor;
const BN_EPSILON = 1.001e-5;

function conv(
  x: T,
  filters: number,
  kernel: number,
  name: string,
  o: { strides?: number; useBias?: boolean; padding?: "same" | "valid" } = {},
): T {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides: o.strides ?? 1,
      padding: o.padding ?? "valid",
      useBias: o.useBias ?? true,
      kernelInitializer: KERAS_KERNEL_INIT,
      biasInitializer: "zeros",
      name,
    })
    .apply(x) as T;
}

function bn(x: T, name: string): T {
  return tfl.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name }).apply(x) as T;
}

function relu(x: T, name: string): T {
  return tfl.layers.activation({ activation: "relu", name }).apply(x) as T;
}

function pad(x: T, p: number, name: string): T {
  return tfl.layers
    .zeroPadding2d({
      padding: [
        [p, p],
        [p, p],
      ],
      name,
    })
    .apply(x) as T;
}

function add(a: T, b: T, name: string): T {
  return tfl.layers.add({ name }).apply([a, b]) as T;
}

/** keras resnet.residual_block_v1. */
function blockV1(x: T, filters: number, stride: number, convShortcut: boolean, name: string): T {
  let shortcut = x;
  if (convShortcut) {
    shortcut = conv(x, 4 * filters, 1, `${name}_0_conv`, { strides: stride });
    shortcut = bn(shortcut, `${name}_0_bn`);
  }
  let y = conv(x, filters, 1, `${name}_1_conv`, { strides: stride });
  y = relu(bn(y, `${name}_1_bn`), `${name}_1_relu`);
  y = conv(y, filters, 3, `${name}_2_conv`, { padding: "same" });
  y = relu(bn(y, `${name}_2_bn`), `${name}_2_relu`);
  y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
  return relu(add(shortcut, y, `${name}_add`), `${name}_out`);
}

/** keras resnet.residual_block_v2. */
function blockV2(
  x: T,
  filters: number,
  stride: number,
  convShortcut: boolean,
  name: string,
  names: KerasNames,
): T {
  const preact = relu(bn(x, `${name}_preact_bn`), `${name}_preact_relu`);
  let shortcut: T;
  if (convShortcut) shortcut = conv(preact, 4 * filters, 1, `${name}_0_conv`, { strides: stride });
  else if (stride > 1)
    shortcut = tfl.layers
      .maxPooling2d({ poolSize: 1, strides: stride, name: names.auto("max_pooling2d") })
      .apply(x) as T;
  else shortcut = x;
  let y = conv(preact, filters, 1, `${name}_1_conv`, { useBias: false });
  y = relu(bn(y, `${name}_1_bn`), `${name}_1_relu`);
  y = pad(y, 1, `${name}_2_pad`);
  y = conv(y, filters, 3, `${name}_2_conv`, { strides: stride, useBias: false });
  y = relu(bn(y, `${name}_2_bn`), `${name}_2_relu`);
  y = conv(y, 4 * filters, 1, `${name}_3_conv`);
  return add(shortcut, y, `${name}_out`);
}

function checkStacks(stacks: ResNetStack[], v2: boolean): void {
  // A v2 stack of one block would build its first and its last block under one name, which
  // Keras refuses too.
  const minBlocks = v2 ? 2 : 1;
  const ok =
    Array.isArray(stacks) &&
    stacks.length > 0 &&
    stacks.every(
      (s) =>
        Array.isArray(s) &&
        s.length === 2 &&
        s.every((v) => Number.isInteger(v) && v >= 1) &&
        s[1] >= minBlocks,
    );
  if (!ok) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected stacks as [filters, blocks] pairs of positive integers${v2 ? " with at least 2 blocks" : ""} but received ${JSON.stringify(stacks)}`,
    );
  }
}

/** Builds a ResNet with random weights (no file access), initialised as Keras does. */
export function buildResNet(variant: ResNetVariant, options: ResNetOptions = {}): tfl.LayersModel {
  if (!Object.hasOwn(STACKS, variant)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown ResNet ${JSON.stringify(variant)}; expected one of ${RESNET_VARIANTS.join(", ")}`,
    );
  }
  const checked = checkApplicationOptions(options);
  const { inputShape } = checked;
  const stacks = options.stacks ?? STACKS[variant];
  const v2 = variant.endsWith("v2");
  checkStacks(stacks, v2);
  const names = new KerasNames();
  const input = tfl.input({ shape: inputShape, name: "input_layer" });
  let x = pad(input, 3, "conv1_pad");
  x = conv(x, 64, 7, "conv1_conv", { strides: 2 });
  if (!v2) x = relu(bn(x, "conv1_bn"), "conv1_relu");
  x = pad(x, 1, "pool1_pad");
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1_pool" }).apply(x) as T;
  stacks.forEach(([filters, blocks], s) => {
    const stack = `conv${s + 2}`;
    if (!v2) {
      // The first stack keeps the resolution (the max pool has just halved it).
      x = blockV1(x, filters, s === 0 ? 1 : 2, true, `${stack}_block1`);
      for (let b = 2; b <= blocks; b++) x = blockV1(x, filters, 1, false, `${stack}_block${b}`);
    } else {
      // The stride sits on each stack's last block; the last stack keeps the resolution.
      const stride = s === stacks.length - 1 ? 1 : 2;
      x = blockV2(x, filters, 1, true, `${stack}_block1`, names);
      for (let b = 2; b < blocks; b++)
        x = blockV2(x, filters, 1, false, `${stack}_block${b}`, names);
      x = blockV2(x, filters, stride, false, `${stack}_block${blocks}`, names);
    }
  });
  if (v2) x = relu(bn(x, "post_bn"), "post_relu");
  x = applicationTop(x, options, checked);
  const model = tfl.model({ inputs: input, outputs: x, name: variant });
  // Conv → BN (→ relu) run as one FusedConv2D wherever the BN is in inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/** keras.applications.ResNet50 … ResNet152V2: builds the network and loads its weights. */
export async function ResNet(
  variant: ResNetVariant,
  options: ResNetOptions = {},
): Promise<tfl.LayersModel> {
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights === "imagenet" && options.stacks) {
    throw new ModelsError("ERR_GRAFT_ARG", "imagenet weights need Keras' own stacks: drop stacks");
  }
  return loadApplicationWeights(buildResNet(variant, options), variant, options);
}

/** keras.applications.ResNet50. Default: ImageNet weights, with the top. */
export const ResNet50 = (options: ResNetOptions = {}) => ResNet("resnet50", options);
/** keras.applications.ResNet101. */
export const ResNet101 = (options: ResNetOptions = {}) => ResNet("resnet101", options);
/** keras.applications.ResNet152. */
export const ResNet152 = (options: ResNetOptions = {}) => ResNet("resnet152", options);
/** keras.applications.ResNet50V2. */
export const ResNet50V2 = (options: ResNetOptions = {}) => ResNet("resnet50v2", options);
/** keras.applications.ResNet101V2. */
export const ResNet101V2 = (options: ResNetOptions = {}) => ResNet("resnet101v2", options);
/** keras.applications.ResNet152V2. */
export const ResNet152V2 = (options: ResNetOptions = {}) => ResNet("resnet152v2", options);
