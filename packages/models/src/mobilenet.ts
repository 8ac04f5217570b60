/**
 * MobileNet (v1) as keras.applications builds it (keras/src/applications/mobilenet.py), with
 * Keras' layer names, order and parameter counts: a 3×3/2 stem (`conv1`, `conv1_bn`,
 * `conv1_relu`), thirteen depthwise-separable blocks (`conv_dw_N` + BN + ReLU6, `conv_pw_N` +
 * BN + ReLU6, a `conv_pad_N` before each strided one), and with the top Keras' convolutional
 * classifier: global average pooling that keeps its 1×1 axes, `dropout`, `conv_preds`,
 * `reshape_2`, `predictions`. `alpha` scales every width (truncated, as Keras' int()),
 * `depthMultiplier` the depthwise outputs.
 */
import { fetchMobileNetWeights, GlobalAveragePooling2D } from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationPooling,
  checkApplicationOptions,
  checkPositive,
  KERAS_KERNEL_INIT,
  loadFetchedWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";

/** Options of `MobileNet` and `buildMobileNet`: keras.applications'. */
export interface MobileNetOptions extends ApplicationOptions {
  /** Width multiplier (Keras' default 1.0); official weights exist for 0.25, 0.5, 0.75, 1.0. */
  alpha?: number;
  /** Depthwise outputs per input channel (Keras' default 1; the official weights need 1). */
  depthMultiplier?: number;
  /** Dropout rate before `conv_preds` (Keras' default 1e-3). */
  dropout?: number;
}

/** The alphas Keras has official MobileNet weights for. */
export const MOBILENET_ALPHAS = [0.25, 0.5, 0.75, 1.0] as const;

type T = tfl.SymbolicTensor;

// [pointwise filters, stride] of blocks 1…13, as Keras lists them.
const BLOCKS: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

function bnRelu6(x: T, name: string): T {
  const y = tfl.layers.batchNormalization({ axis: -1, name: `${name}_bn` }).apply(x) as T;
  return tfl.layers.reLU({ maxValue: 6, name: `${name}_relu` }).apply(y) as T;
}

function pointwise(x: T, filters: number, name: string): T {
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

function check(o: MobileNetOptions, weights: string | null): [number, number, number] {
  const alpha = o.alpha ?? 1.0;
  const multiplier = o.depthMultiplier ?? 1;
  const dropout = o.dropout ?? 1e-3;
  checkPositive(alpha, "alpha");
  if (!(Number.isInteger(multiplier) && multiplier >= 1)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected a positive integer depthMultiplier but received ${multiplier}`,
    );
  }
  if (!(typeof dropout === "number" && dropout >= 0 && dropout < 1)) {
    throw new ModelsError("ERR_GRAFT_ARG", `Expected dropout in [0, 1) but received ${dropout}`);
  }
  if (weights === "imagenet") {
    // Keras' own messages.
    if (multiplier !== 1) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `If imagenet weights are being loaded, depth multiplier must be 1.  Received depth_multiplier=${multiplier}`,
      );
    }
    if (!(MOBILENET_ALPHAS as readonly number[]).includes(alpha)) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `If imagenet weights are being loaded, alpha can be one of\`0.25\`, \`0.50\`, \`0.75\` or \`1.0\` only.  Received alpha=${alpha}`,
      );
    }
  }
  return [alpha, multiplier, dropout];
}

/** Keras' default size: the input's side where it is square and one of 128…224, else 224. */
function defaultSize(shape: ApplicationOptions["inputShape"]): number {
  const [h, w] = shape ?? [null, null];
  return h != null && h === w && [128, 160, 192, 224].includes(h) ? h : 224;
}

/** Builds MobileNet with random weights (no file access), initialised as Keras does. */
export function buildMobileNet(options: MobileNetOptions = {}): tfl.LayersModel {
  const checked = checkApplicationOptions(options, 32, defaultSize(options.inputShape));
  const [alpha, multiplier, dropout] = check(options, checked.weights);
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = tfl.layers
    .conv2d({
      filters: Math.trunc(32 * alpha),
      kernelSize: 3,
      strides: 2,
      padding: "same",
      useBias: false,
      kernelInitializer: KERAS_KERNEL_INIT,
      name: "conv1",
    })
    .apply(input) as T;
  x = bnRelu6(x, "conv1");
  BLOCKS.forEach(([filters, stride], i) => {
    const id = i + 1;
    if (stride === 2) {
      x = tfl.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
          name: `conv_pad_${id}`,
        })
        .apply(x) as T;
    }
    x = tfl.layers
      .depthwiseConv2d({
        kernelSize: 3,
        padding: stride === 1 ? "same" : "valid",
        depthMultiplier: multiplier,
        strides: stride,
        useBias: false,
        depthwiseInitializer: KERAS_KERNEL_INIT,
        name: `conv_dw_${id}`,
      })
      .apply(x) as T;
    x = bnRelu6(x, `conv_dw_${id}`);
    x = bnRelu6(pointwise(x, Math.trunc(filters * alpha), `conv_pw_${id}`), `conv_pw_${id}`);
  });
  if (checked.includeTop) {
    x = new GlobalAveragePooling2D({ keepdims: true, name: "global_average_pooling2d" }).apply(
      x,
    ) as T;
    x = tfl.layers.dropout({ rate: dropout, name: "dropout" }).apply(x) as T;
    x = tfl.layers
      .conv2d({
        filters: checked.classes,
        kernelSize: 1,
        padding: "same",
        kernelInitializer: KERAS_KERNEL_INIT,
        name: "conv_preds",
      })
      .apply(x) as T;
    x = tfl.layers.reshape({ targetShape: [checked.classes], name: "reshape_2" }).apply(x) as T;
    x = tfl.layers
      .activation({ activation: options.classifierActivation ?? "softmax", name: "predictions" })
      .apply(x) as T;
  } else {
    x = applicationPooling(x, options.pooling, {
      avg: "global_average_pooling2d",
      max: "global_max_pooling2d",
    });
  }
  const rows = checked.inputShape[0] ?? 224;
  const model = tfl.model({
    inputs: input,
    outputs: x,
    name: `mobilenet_${alpha.toFixed(2)}_${rows}`,
  });
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.MobileNet: builds the network and loads its weights. "imagenet" fetches
 * Keras' file for this alpha and side into the Keras cache (`mobilenet/`; a side Keras has no
 * file for takes the 224 one, as in Keras). Keras gives these files no checksum, so the load
 * is the check: every layer must find its weights, shapes included, by name.
 */
export async function MobileNet(options: MobileNetOptions = {}): Promise<tfl.LayersModel> {
  return loadFetchedWeights(buildMobileNet(options), options, (rows, cols, o) =>
    fetchMobileNetWeights(options.alpha ?? 1.0, rows, cols, o),
  );
}
