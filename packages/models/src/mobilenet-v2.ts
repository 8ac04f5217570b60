/**
 * MobileNetV2 as keras.applications builds it (keras/src/applications/mobilenet_v2.py), with
 * Keras' layer names, order and parameter counts: a 3×3/2 stem (`Conv1`, `bn_Conv1`,
 * `Conv1_relu`), 17 inverted residual blocks (`block_N_expand`, `_depthwise`, `_project`, each
 * with its `_BN`, ReLU6 after the first two, `block_N_add` where the block keeps its width and
 * resolution; block 0 is `expanded_conv_` without expansion), then `Conv_1` (1280 channels, more
 * above alpha 1), `Conv_1_bn`, `out_relu`. `alpha` scales every width, rounded to a multiple of
 * 8 as Keras' `_make_divisible` does.
 */
import { fetchMobileNetV2Weights } from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationTop,
  checkApplicationOptions,
  checkPositive,
  correctPad,
  KERAS_KERNEL_INIT,
  loadFetchedWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";

/** Options of `MobileNetV2` and `buildMobileNetV2`: keras.applications'. */
export interface MobileNetV2Options extends ApplicationOptions {
  /** Width multiplier (Keras' default 1.0); the official weights exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4. */
  alpha?: number;
}

/** The alphas Keras has official MobileNetV2 weights for. */
export const MOBILENET_V2_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4] as const;

type T = tfl.SymbolicTensor;
const BN = { epsilon: 1e-3, momentum: 0.999 } as const;

/** keras mobilenet_v2._make_divisible: the nearest multiple of `divisor`, never 10% below v. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let next = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

// [filters, stride, expansion] of blocks 0…16, as Keras lists them.
const BLOCKS: [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

function bn(x: T, name: string): T {
  return tfl.layers.batchNormalization({ axis: -1, ...BN, name }).apply(x) as T;
}

function relu6(x: T, name: string): T {
  return tfl.layers.reLU({ maxValue: 6, name }).apply(x) as T;
}

function conv1x1(x: T, filters: number, name: string): T {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: 1,
      padding: "same",
      useBias: false,
      kernelInitializer: KERAS_KERNEL_INIT,
      name,
    })
    .apply(x) as T;
}

function invertedResidual(
  inputs: T,
  expansion: number,
  stride: number,
  alpha: number,
  filters: number,
  id: number,
): T {
  const inChannels = inputs.shape[inputs.shape.length - 1] as number;
  const pointwise = makeDivisible(Math.trunc(filters * alpha), 8);
  let prefix = `block_${id}_`;
  let x = inputs;
  if (id) {
    x = conv1x1(x, expansion * inChannels, `${prefix}expand`);
    x = relu6(bn(x, `${prefix}expand_BN`), `${prefix}expand_relu`);
  } else prefix = "expanded_conv_";
  if (stride === 2) {
    x = tfl.layers.zeroPadding2d({ padding: correctPad(x, 3), name: `${prefix}pad` }).apply(x) as T;
  }
  x = tfl.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      useBias: false,
      padding: stride === 1 ? "same" : "valid",
      depthwiseInitializer: KERAS_KERNEL_INIT,
      name: `${prefix}depthwise`,
    })
    .apply(x) as T;
  x = relu6(bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = bn(conv1x1(x, pointwise, `${prefix}project`), `${prefix}project_BN`);
  if (inChannels === pointwise && stride === 1) {
    return tfl.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as T;
  }
  return x;
}

function checkAlpha(alpha: number, weights: string | null): void {
  checkPositive(alpha, "alpha");
  if (weights === "imagenet" && !(MOBILENET_V2_ALPHAS as readonly number[]).includes(alpha)) {
    // Keras' own message.
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `If imagenet weights are being loaded, alpha must be one of \`0.35\`, \`0.50\`, \`0.75\`, \`1.0\`, \`1.3\` or \`1.4\` only; Received \`alpha=${alpha}\``,
    );
  }
}

/** Keras' default size: the input's side where it is square and one of 96…224, else 224. */
function defaultSize(shape: ApplicationOptions["inputShape"]): number {
  const [h, w] = shape ?? [null, null];
  return h != null && h === w && [96, 128, 160, 192, 224].includes(h) ? h : 224;
}

/** Builds MobileNetV2 with random weights (no file access), initialised as Keras does. */
export function buildMobileNetV2(options: MobileNetV2Options = {}): tfl.LayersModel {
  const alpha = options.alpha ?? 1.0;
  const size = defaultSize(options.inputShape);
  const checked = checkApplicationOptions(options, 32, size);
  const { inputShape, weights } = checked;
  checkAlpha(alpha, weights);
  const input = tfl.input({ shape: inputShape, name: "input_layer" });
  let x = tfl.layers
    .conv2d({
      filters: makeDivisible(32 * alpha, 8),
      kernelSize: 3,
      strides: 2,
      padding: "same",
      useBias: false,
      kernelInitializer: KERAS_KERNEL_INIT,
      name: "Conv1",
    })
    .apply(input) as T;
  x = relu6(bn(x, "bn_Conv1"), "Conv1_relu");
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedResidual(x, expansion, stride, alpha, filters, id);
  });
  const last = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = relu6(bn(conv1x1(x, last, "Conv_1"), "Conv_1_bn"), "out_relu");
  x = applicationTop(x, options, checked, {
    avg: "global_average_pooling2d",
    max: "global_max_pooling2d",
  });
  const rows = inputShape[0] ?? 224;
  const name = `mobilenetv2_${alpha.toFixed(2)}_${rows}`;
  const model = tfl.model({ inputs: input, outputs: x, name });
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.MobileNetV2: builds the network and loads its weights. "imagenet" fetches
 * Keras' file for this alpha and side into the Keras cache (`mobilenet_v2/`; a side Keras has
 * no file for takes the 224 one, as in Keras). Keras downloads these without a checksum, so
 * the load itself is the check: every layer must find its weights, shapes included, by name.
 */
export async function MobileNetV2(options: MobileNetV2Options = {}): Promise<tfl.LayersModel> {
  return loadFetchedWeights(buildMobileNetV2(options), options, (rows, cols, o) =>
    fetchMobileNetV2Weights(options.alpha ?? 1.0, rows, cols, o),
  );
}
