/**
 * MobileNetV3Small and MobileNetV3Large as keras.applications builds them
 * (keras/src/applications/mobilenet_v3.py), with Keras' layer names, order and parameter counts:
 * the model's own `rescaling` of 0–255 pixels to [-1, 1] (unless `includePreprocessing` is
 * false), a 3×3/2 stem (`conv`, `conv_bn`), inverted residual blocks (`expanded_conv_N_expand`,
 * `_depthwise` with a `_depthwise_pad` before the strided ones, squeeze-and-excitation
 * `_squeeze_excite_*` in most, `_project`, each convolution with its `_bn`, `_add` where the
 * block keeps its width and resolution; block 0 is `expanded_conv_` without expansion), then
 * `conv_1` and with the top Keras' convolutional classifier (`conv_2`, `dropout`, `logits`,
 * `flatten`, `predictions`).
 *
 * The activations are unnamed in Keras, so they take its automatic names, in order: ReLU layers
 * `re_lu`, `re_lu_1`, … and hard-swish `Activation` layers `activation`, `activation_1`, ….
 * Keras computes the squeeze-and-excitation gate, relu6(x + 3) / 6, as `ReLU(6)(x + 3) * (1/6)`:
 * its model lists only the ReLU (the sum and product are operations, not layers), so graft has
 * one `Activation("keras3HardSigmoid")` layer there, with that ReLU's name, computing the same.
 * `minimalistic` drops squeeze-and-excitation and hard-swish (relu throughout) and 5×5 kernels
 * (3×3 throughout). `alpha` scales every block's width, rounded to a multiple of 8 as Keras'
 * `_depth`.
 */
import {
  fetchMobileNetV3Weights,
  GlobalAveragePooling2D,
  type MobileNetV3Type,
} from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationPooling,
  checkApplicationOptions,
  checkPositive,
  correctPad,
  KERAS_KERNEL_INIT,
  KerasNames,
  loadFetchedWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";
import { makeDivisible } from "./mobilenet-v2.ts";

/** Options of `MobileNetV3` and `buildMobileNetV3`: keras.applications'. */
export interface MobileNetV3Options extends ApplicationOptions {
  /** Width multiplier (Keras' default 1.0); the official weights exist for 0.75 and 1.0 (1.0 only when minimalistic). */
  alpha?: number;
  /** Relu and 3×3 kernels throughout, no squeeze-and-excitation (Keras' default false). */
  minimalistic?: boolean;
  /** Dropout rate before `logits` (Keras' default 0.2; 0 leaves the layer out). */
  dropoutRate?: number;
  /** Rescale 0–255 pixels to [-1, 1] inside the model (Keras' default true). */
  includePreprocessing?: boolean;
}

type T = tfl.SymbolicTensor;
const BN = { epsilon: 1e-3, momentum: 0.999 } as const;

/** One block as Keras' stack_fn lists it: expansion, filters (before alpha), kernel, stride, squeeze-excite, hard-swish. */
type Block = [number, number, number | "k", number, boolean, boolean];

// "k" is the family's kernel (5, or 3 when minimalistic); squeeze-excite and hard-swish apply
// only when not minimalistic.
const SMALL: Block[] = [
  [1, 16, 3, 2, true, false],
  [72 / 16, 24, 3, 2, false, false],
  [88 / 24, 24, 3, 1, false, false],
  [4, 40, "k", 2, true, true],
  [6, 40, "k", 1, true, true],
  [6, 40, "k", 1, true, true],
  [3, 48, "k", 1, true, true],
  [3, 48, "k", 1, true, true],
  [6, 96, "k", 2, true, true],
  [6, 96, "k", 1, true, true],
  [6, 96, "k", 1, true, true],
];
const LARGE: Block[] = [
  [1, 16, 3, 1, false, false],
  [4, 24, 3, 2, false, false],
  [3, 24, 3, 1, false, false],
  [3, 40, "k", 2, true, false],
  [3, 40, "k", 1, true, false],
  [3, 40, "k", 1, true, false],
  [6, 80, 3, 2, false, true],
  [2.5, 80, 3, 1, false, true],
  [2.3, 80, 3, 1, false, true],
  [2.3, 80, 3, 1, false, true],
  [6, 112, 3, 1, true, true],
  [6, 112, 3, 1, true, true],
  [6, 160, "k", 2, true, true],
  [6, 160, "k", 1, true, true],
  [6, 160, "k", 1, true, true],
];

const SPEC: Record<MobileNetV3Type, { blocks: Block[]; lastPoint: number; name: string }> = {
  small: { blocks: SMALL, lastPoint: 1024, name: "MobileNetV3Small" },
  large: { blocks: LARGE, lastPoint: 1280, name: "MobileNetV3Large" },
};

/** What one build threads through its blocks: Keras' automatic names and the family's choices. */
class Builder {
  readonly names = new KerasNames();
  constructor(readonly minimalistic: boolean) {}

  relu(x: T): T {
    return tfl.layers.reLU({ name: this.names.auto("re_lu") }).apply(x) as T;
  }

  /** hard_swish, or relu when minimalistic. */
  act(x: T, hardSwish: boolean): T {
    if (!hardSwish || this.minimalistic) return this.relu(x);
    const name = this.names.auto("activation");
    return tfl.layers.activation({ activation: "hardSwish" as never, name }).apply(x) as T;
  }

  conv(x: T, filters: number, name: string, useBias = false, kernelSize = 1, strides = 1): T {
    return tfl.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: "same",
        useBias,
        kernelInitializer: KERAS_KERNEL_INIT,
        name,
      })
      .apply(x) as T;
  }

  squeezeExcite(inputs: T, filters: number, prefix: string): T {
    let x = averageKeepDims(inputs, `${prefix}squeeze_excite_avg_pool`);
    x = this.conv(x, makeDivisible(filters * 0.25), `${prefix}squeeze_excite_conv`, true);
    x = tfl.layers.reLU({ name: `${prefix}squeeze_excite_relu` }).apply(x) as T;
    x = this.conv(x, filters, `${prefix}squeeze_excite_conv_1`, true);
    // Keras' ReLU(6)(x + 3) * (1/6): one layer, with the ReLU's automatic name.
    const gate = this.names.auto("re_lu");
    x = tfl.layers
      .activation({ activation: "keras3HardSigmoid" as never, name: gate })
      .apply(x) as T;
    return tfl.layers.multiply({ name: `${prefix}squeeze_excite_mul` }).apply([inputs, x]) as T;
  }

  block(inputs: T, [expansion, base, k, stride, se, hs]: Block, alpha: number, id: number): T {
    const inFilters = inputs.shape[inputs.shape.length - 1] as number;
    const filters = makeDivisible(base * alpha);
    const kernel = k === "k" ? (this.minimalistic ? 3 : 5) : k;
    const expanded = makeDivisible(inFilters * expansion);
    const prefix = id ? `expanded_conv_${id}_` : "expanded_conv_";
    let x = inputs;
    if (id) {
      x = this.conv(x, expanded, `${prefix}expand`);
      x = this.act(bn(x, `${prefix}expand_bn`), hs);
    }
    if (stride === 2) {
      const padding = correctPad(x, kernel);
      x = tfl.layers.zeroPadding2d({ padding, name: `${prefix}depthwise_pad` }).apply(x) as T;
    }
    x = tfl.layers
      .depthwiseConv2d({
        kernelSize: kernel,
        strides: stride,
        padding: stride === 1 ? "same" : "valid",
        useBias: false,
        depthwiseInitializer: KERAS_KERNEL_INIT,
        name: `${prefix}depthwise`,
      })
      .apply(x) as T;
    x = this.act(bn(x, `${prefix}depthwise_bn`), hs);
    if (se && !this.minimalistic) x = this.squeezeExcite(x, expanded, prefix);
    x = bn(this.conv(x, filters, `${prefix}project`), `${prefix}project_bn`);
    if (stride === 1 && inFilters === filters) {
      return tfl.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as T;
    }
    return x;
  }
}

/** Keras' GlobalAveragePooling2D(keepdims=True): the pooled axes stay as 1s. */
function averageKeepDims(x: T, name: string): T {
  return new GlobalAveragePooling2D({ keepdims: true, name }).apply(x) as T;
}

function bn(x: T, name: string): T {
  return tfl.layers.batchNormalization({ axis: -1, ...BN, name }).apply(x) as T;
}

function checkOptions(options: MobileNetV3Options, weights: string | null): void {
  const alpha = options.alpha ?? 1.0;
  checkPositive(alpha, "alpha");
  const rate = options.dropoutRate ?? 0.2;
  if (!(typeof rate === "number" && rate >= 0 && rate < 1)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected a dropoutRate in [0, 1) but received ${String(rate)}`,
    );
  }
  const minimalistic = options.minimalistic ?? false;
  if (weights === "imagenet" && (minimalistic ? alpha !== 1.0 : alpha !== 0.75 && alpha !== 1.0)) {
    // Keras' own message.
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non minimalistic or `1.0` for minimalistic only.",
    );
  }
}

/**
 * Builds MobileNetV3Small (`type` "small") or MobileNetV3Large ("large") with random weights
 * (no file access), initialised as Keras does. As in Keras it takes inputs of any size of at
 * least 32 px, with or without the top (default [null, null, 3]).
 */
export function buildMobileNetV3(
  type: MobileNetV3Type,
  options: MobileNetV3Options = {},
): tfl.LayersModel {
  const spec = SPEC[type];
  if (!spec) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected "small" or "large" for MobileNetV3 but received ${String(type)}`,
    );
  }
  const checked = checkApplicationOptions(options, 32, 224, { anySize: true });
  checkOptions(options, checked.weights);
  const alpha = options.alpha ?? 1.0;
  const b = new Builder(options.minimalistic ?? false);
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x: T = input;
  if (options.includePreprocessing ?? true) {
    const name = b.names.auto("rescaling");
    x = tfl.layers.rescaling({ scale: 1 / 127.5, offset: -1, name }).apply(x) as T;
  }
  x = bn(b.conv(x, 16, "conv", false, 3, 2), "conv_bn");
  x = b.act(x, true);
  spec.blocks.forEach((block, id) => {
    x = b.block(x, block, alpha, id);
  });
  const channels = x.shape[x.shape.length - 1] as number;
  x = b.act(bn(b.conv(x, makeDivisible(channels * 6), "conv_1"), "conv_1_bn"), true);
  if (checked.includeTop) {
    const lastPoint = alpha > 1.0 ? makeDivisible(spec.lastPoint * alpha) : spec.lastPoint;
    x = averageKeepDims(x, b.names.auto("global_average_pooling2d"));
    x = b.act(b.conv(x, lastPoint, "conv_2", true), true);
    const rate = options.dropoutRate ?? 0.2;
    if (rate > 0) x = tfl.layers.dropout({ rate, name: b.names.auto("dropout") }).apply(x) as T;
    x = b.conv(x, checked.classes, "logits", true);
    x = tfl.layers.flatten({ name: b.names.auto("flatten") }).apply(x) as T;
    x = tfl.layers
      .activation({ activation: options.classifierActivation ?? "softmax", name: "predictions" })
      .apply(x) as T;
  } else {
    x = applicationPooling(x, options.pooling);
  }
  const model = tfl.model({ inputs: input, outputs: x, name: spec.name });
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.MobileNetV3Small / MobileNetV3Large: builds the network and loads its
 * weights. "imagenet" fetches Keras' md5-checked file for this type, alpha and minimalistic
 * into the Keras cache (`mobilenet_v3/`; the 224 px file whatever the input size, as Keras).
 * The files are loaded by position, as Keras loads them.
 */
export async function MobileNetV3(
  type: MobileNetV3Type,
  options: MobileNetV3Options = {},
): Promise<tfl.LayersModel> {
  const alpha = options.alpha ?? 1.0;
  const minimalistic = options.minimalistic ?? false;
  return loadFetchedWeights(
    buildMobileNetV3(type, options),
    { ...options, byPosition: true },
    (_rows, _cols, o) => fetchMobileNetV3Weights(type, alpha, minimalistic, o),
  );
}
