/**
 * DenseNet121/169/201 as keras.applications builds them (keras/src/applications/densenet.py),
 * with Keras' layer names, order and parameter counts: a 7×7/2 stem (`conv1_conv`, `conv1_bn`,
 * `conv1_relu`) and a 3×3/2 max pool (`pool1`), four dense blocks whose layers
 * `convS_blockB_{0_bn,0_relu,1_conv,1_bn,1_relu,2_conv,concat}` each add 32 channels (a 1×1
 * bottleneck to 128, then a 3×3 to 32, concatenated onto the input), transitions
 * `poolS_{bn,relu,conv,pool}` that halve the channels and the resolution, and a final `bn` +
 * `relu`. The members differ only in the blocks per stage.
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

/** The three DenseNets of keras.applications. */
export type DenseNetVariant = "densenet121" | "densenet169" | "densenet201";

/** Options of `DenseNet` and `buildDenseNet`: keras.applications' plus one graft extension. */
export interface DenseNetOptions extends ApplicationOptions {
  /**
   * graft extension: blocks per dense stage (Keras: [6, 12, 24, 16] for DenseNet121), as
   * Keras' own `DenseNet(blocks, …)` takes them, for narrow test bases. `weights: "imagenet"`
   * needs Keras' own.
   */
  blocks?: number[];
}

const BLOCKS: Record<DenseNetVariant, number[]> = {
  densenet121: [6, 12, 24, 16],
  densenet169: [6, 12, 32, 32],
  densenet201: [6, 12, 48, 32],
};

/** Every DenseNet variant, in Keras' order. */
export const DENSENET_VARIANTS = Object.keys(BLOCKS) as DenseNetVariant[];

type T = tfl.SymbolicTensor;
const GROWTH = 32;

function bnRelu(x: T, name: string): T {
  const y = tfl.layers
    .batchNormalization({ axis: 3, epsilon: 1.001e-5, name: `${name}_bn` })
    .apply(x) as T;
  return tfl.layers.activation({ activation: "relu", name: `${name}_relu` }).apply(y) as T;
}

function conv(x: T, filters: number, kernel: number, name: string, strides = 1): T {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      strides,
      padding: kernel === 3 && strides === 1 ? "same" : "valid",
      useBias: false,
      kernelInitializer: KERAS_KERNEL_INIT,
      name,
    })
    .apply(x) as T;
}

/** keras densenet.conv_block: BN-relu-1×1 (4·growth), BN-relu-3×3 (growth), concatenated on. */
function convBlock(x: T, name: string): T {
  let y = conv(bnRelu(x, `${name}_0`), 4 * GROWTH, 1, `${name}_1_conv`);
  y = conv(bnRelu(y, `${name}_1`), GROWTH, 3, `${name}_2_conv`);
  return tfl.layers.concatenate({ axis: 3, name: `${name}_concat` }).apply([x, y]) as T;
}

/** keras densenet.transition_block with reduction 0.5. */
function transition(x: T, name: string): T {
  const channels = x.shape[3] as number;
  const y = conv(bnRelu(x, name), Math.trunc(channels * 0.5), 1, `${name}_conv`);
  return tfl.layers
    .averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` })
    .apply(y) as T;
}

function zeroPad(x: T, p: number, names: KerasNames): T {
  return tfl.layers
    .zeroPadding2d({
      padding: [
        [p, p],
        [p, p],
      ],
      name: names.auto("zero_padding2d"),
    })
    .apply(x) as T;
}

function checkBlocks(blocks: number[]): void {
  if (
    !Array.isArray(blocks) ||
    blocks.length !== 4 ||
    !blocks.every((b) => Number.isInteger(b) && b >= 1)
  ) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected blocks as four positive integers (Keras' DenseNet121: [6, 12, 24, 16]) but received ${JSON.stringify(blocks)}`,
    );
  }
}

/** Builds a DenseNet with random weights (no file access), initialised as Keras does. */
export function buildDenseNet(
  variant: DenseNetVariant,
  options: DenseNetOptions = {},
): tfl.LayersModel {
  if (!Object.hasOwn(BLOCKS, variant)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown DenseNet ${JSON.stringify(variant)}; expected one of ${DENSENET_VARIANTS.join(", ")}`,
    );
  }
  const checked = checkApplicationOptions(options);
  const blocks = options.blocks ?? BLOCKS[variant];
  checkBlocks(blocks);
  const names = new KerasNames();
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = conv(zeroPad(input, 3, names), 64, 7, "conv1_conv", 2);
  x = bnRelu(x, "conv1");
  x = zeroPad(x, 1, names);
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1" }).apply(x) as T;
  blocks.forEach((count, s) => {
    for (let b = 1; b <= count; b++) x = convBlock(x, `conv${s + 2}_block${b}`);
    if (s < blocks.length - 1) x = transition(x, `pool${s + 2}`);
  });
  x = tfl.layers.batchNormalization({ axis: 3, epsilon: 1.001e-5, name: "bn" }).apply(x) as T;
  x = tfl.layers.activation({ activation: "relu", name: "relu" }).apply(x) as T;
  x = applicationTop(x, options, checked);
  const model = tfl.model({ inputs: input, outputs: x, name: variant });
  // conv1 and each block's 1×1 bottleneck are Conv → BN → relu: one FusedConv2D each in
  // inference mode (fold-bn.ts). The pre-activation BNs have no conv before them to fold into.
  foldBatchNorm(model);
  return model;
}

/** keras.applications.DenseNet121/169/201: builds the network and loads its weights. */
export async function DenseNet(
  variant: DenseNetVariant,
  options: DenseNetOptions = {},
): Promise<tfl.LayersModel> {
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights === "imagenet" && options.blocks) {
    throw new ModelsError("ERR_GRAFT_ARG", "imagenet weights need Keras' own blocks: drop blocks");
  }
  return loadApplicationWeights(buildDenseNet(variant, options), variant, options);
}

/** keras.applications.DenseNet121. Default: ImageNet weights, with the top. */
export const DenseNet121 = (options: DenseNetOptions = {}) => DenseNet("densenet121", options);
/** keras.applications.DenseNet169. */
export const DenseNet169 = (options: DenseNetOptions = {}) => DenseNet("densenet169", options);
/** keras.applications.DenseNet201. */
export const DenseNet201 = (options: DenseNetOptions = {}) => DenseNet("densenet201", options);
