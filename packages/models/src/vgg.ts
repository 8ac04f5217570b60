/**
 * VGG16 and VGG19 as keras.applications builds them, with Keras' exact layer
 * names (the contract with the official weight files): block{b}_conv{i},
 * block{b}_pool, flatten, fc1, fc2, predictions.
 */

import {
  type FetchOfficialWeightsOptions,
  fetchOfficialWeights,
  loadWeights,
} from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import { ModelsError } from "./errors.ts";
import { fuseConvBiasRelu } from "./fused-conv.ts";

/** The two VGG networks of keras.applications: 16 or 19 weight layers. */
export type VGGVariant = "vgg16" | "vgg19";

/**
 * Options of `VGG` and `buildVGG`, with keras.applications' names and defaults plus a few graft
 * extensions.
 */
export interface VGGOptions {
  /** Keep the three fully connected layers on top (Keras' default: true). */
  includeTop?: boolean;
  /** "imagenet" (the official file, from the Keras cache or downloaded), a weight file path, or null for random. */
  weights?: "imagenet" | string | null;
  /** [height, width, channels]; defaults to [224, 224, 3] with the top, [null, null, 3] without. */
  inputShape?: [number | null, number | null, number];
  /** Global pooling after the last block when includeTop is false. */
  pooling?: "avg" | "max" | null;
  /** Number of classes of the top (1000 for imagenet). */
  classes?: number;
  /** Activation of the `predictions` layer when includeTop is true. Default softmax. */
  classifierActivation?: "softmax" | "linear" | "sigmoid";
  /** graft extension: filters per block (Keras: 64, 128, 256, 512, 512). For narrow test or demo bases. */
  blockFilters?: [number, number, number, number, number];
  /** graft extension: units of fc1 and fc2 (Keras: 4096). */
  topUnits?: number;
  /** Where the official files are cached (default $KERAS_HOME or ~/.keras) and fetched from. */
  cacheDir?: string;
  /**
   * Mirror that replaces Keras' storage prefix for "imagenet"; default `$GRAFT_WEIGHTS_BASE_URL`.
   */
  baseUrl?: string;
  /** Download progress for "imagenet": true for a bar on stderr, or the bar's options. */
  progress?: FetchOfficialWeightsOptions["progress"];
}

const CONVS_PER_BLOCK: Record<VGGVariant, number[]> = {
  vgg16: [2, 2, 3, 3, 3],
  vgg19: [2, 2, 4, 4, 4],
};
/** The five blocks' convolution widths of Keras' VGG16 and VGG19. */
export const KERAS_VGG_FILTERS = [64, 128, 256, 512, 512] as const;

function checkOptions(o: VGGOptions): Required<Pick<VGGOptions, "includeTop" | "classes">> {
  const includeTop = o.includeTop ?? true;
  const classes = o.classes ?? 1000;
  const weights = o.weights === undefined ? "imagenet" : o.weights;
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected a positive integer for classes but received ${classes}`,
    );
  }
  if (weights === "imagenet" && includeTop && classes !== 1000) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `If using weights "imagenet" with includeTop true, classes should be 1000; received ${classes}`,
    );
  }
  if (o.pooling != null && o.pooling !== "avg" && o.pooling !== "max") {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected "avg", "max" or null for pooling but received ${String(o.pooling)}`,
    );
  }
  if (o.inputShape) {
    const [h, w, c] = o.inputShape;
    if (o.inputShape.length !== 3 || c !== 3) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Expected inputShape [height, width, 3] but received [${o.inputShape.join(", ")}]`,
      );
    }
    for (const [name, v] of [
      ["height", h],
      ["width", w],
    ] as const) {
      if (v !== null && (!Number.isInteger(v) || v < 32)) {
        throw new ModelsError(
          "ERR_GRAFT_ARG",
          `Input ${name} should be an integer of at least 32 but received ${v}`,
        );
      }
    }
    if (includeTop && weights === "imagenet" && (h !== 224 || w !== 224)) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `With includeTop and imagenet weights the input must be [224, 224, 3]; received [${o.inputShape.join(", ")}]`,
      );
    }
  }
  if (
    o.blockFilters &&
    (o.blockFilters.length !== 5 || o.blockFilters.some((f) => !Number.isInteger(f) || f < 1))
  ) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected five positive integers for blockFilters but received [${o.blockFilters.join(", ")}]`,
    );
  }
  return { includeTop, classes };
}

/**
 * Keras' default kernel initializer for Conv2D and Dense (glorot_uniform: U(±sqrt(6 /
 * (fan_in + fan_out)))); tfjs-layers defaults to glorotNormal instead.
 */
export const KERAS_KERNEL_INIT = "glorotUniform" as const;

/** Builds the network with random weights (no file access), initialised as Keras does. */
export function buildVGG(variant: VGGVariant, options: VGGOptions = {}): tfl.LayersModel {
  const { includeTop, classes } = checkOptions(options);
  const inputShape = options.inputShape ?? (includeTop ? [224, 224, 3] : [null, null, 3]);
  const filters = options.blockFilters ?? KERAS_VGG_FILTERS;
  const input = tfl.input({ shape: inputShape, name: "input_layer" });
  let x = input as tfl.SymbolicTensor;
  CONVS_PER_BLOCK[variant].forEach((convs, b) => {
    for (let i = 1; i <= convs; i++) {
      x = tfl.layers
        .conv2d({
          filters: filters[b] as number,
          kernelSize: [3, 3],
          activation: "relu",
          padding: "same",
          // Keras' defaults, not tfjs-layers' (glorotNormal, truncated without Keras'
          // correction: 0.77× the variance, which compounds over 16 convs from scratch).
          kernelInitializer: KERAS_KERNEL_INIT,
          biasInitializer: "zeros",
          name: `block${b + 1}_conv${i}`,
        })
        .apply(x) as tfl.SymbolicTensor;
    }
    x = tfl.layers
      .maxPooling2d({ poolSize: [2, 2], strides: [2, 2], name: `block${b + 1}_pool` })
      .apply(x) as tfl.SymbolicTensor;
  });
  if (includeTop) {
    const units = options.topUnits ?? 4096;
    x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    for (const name of ["fc1", "fc2"]) {
      x = tfl.layers
        .dense({ units, activation: "relu", kernelInitializer: KERAS_KERNEL_INIT, name })
        .apply(x) as tfl.SymbolicTensor;
    }
    x = tfl.layers
      .dense({
        units: classes,
        kernelInitializer: KERAS_KERNEL_INIT,
        activation: options.classifierActivation ?? "softmax",
        name: "predictions",
      })
      .apply(x) as tfl.SymbolicTensor;
  } else if (options.pooling === "avg") {
    x = tfl.layers
      .globalAveragePooling2d({ name: "global_average_pooling2d" })
      .apply(x) as tfl.SymbolicTensor;
  } else if (options.pooling === "max") {
    x = tfl.layers
      .globalMaxPooling2d({ name: "global_max_pooling2d" })
      .apply(x) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: x, name: variant });
  // Its Conv2D(relu) layers train as one FusedConv2D kernel each (fused-conv.ts).
  fuseConvBiasRelu(model);
  return model;
}

/**
 * keras.applications.VGG16/VGG19: builds the network and loads its weights
 * (topologically, as Keras does).
 */
export async function VGG(variant: VGGVariant, options: VGGOptions = {}): Promise<tfl.LayersModel> {
  const model = buildVGG(variant, options);
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights === null) return model;
  let path = weights;
  if (weights === "imagenet") {
    if (options.blockFilters || options.topUnits) {
      model.dispose();
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        "imagenet weights need Keras' own widths: drop blockFilters/topUnits",
      );
    }
    path = await fetchOfficialWeights(variant, {
      includeTop: options.includeTop ?? true,
      ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      ...(options.progress !== undefined && { progress: options.progress }),
    });
  }
  try {
    await loadWeights(model, path);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** keras.applications.VGG16: `VGG("vgg16", options)`. Default: ImageNet weights, with the top. */
export const VGG16 = (options: VGGOptions = {}) => VGG("vgg16", options);
/** keras.applications.VGG19: `VGG("vgg19", options)`. Default: ImageNet weights, with the top. */
export const VGG19 = (options: VGGOptions = {}) => VGG("vgg19", options);
