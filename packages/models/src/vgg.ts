/**
 * VGG16 and VGG19 as keras.applications builds them, with Keras' exact layer
 * names (the contract with the official weight files): block{b}_conv{i},
 * block{b}_pool, flatten, fc1, fc2, predictions.
 */

import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationPooling,
  type CheckedApplicationOptions,
  checkApplicationOptions,
  KERAS_KERNEL_INIT,
  loadApplicationWeights,
} from "./application.ts";
import { ModelsError } from "./errors.ts";
import { fuseConvBiasRelu } from "./fused-conv.ts";

/** The two VGG networks of keras.applications: 16 or 19 weight layers. */
export type VGGVariant = "vgg16" | "vgg19";

/**
 * Options of `VGG` and `buildVGG`, with keras.applications' names and defaults plus a few graft
 * extensions.
 */
export interface VGGOptions extends ApplicationOptions {
  /** graft extension: filters per block (Keras: 64, 128, 256, 512, 512). For narrow test or demo bases. */
  blockFilters?: [number, number, number, number, number];
  /** graft extension: units of fc1 and fc2 (Keras: 4096). */
  topUnits?: number;
}

const CONVS_PER_BLOCK: Record<VGGVariant, number[]> = {
  vgg16: [2, 2, 3, 3, 3],
  vgg19: [2, 2, 4, 4, 4],
};
/** The five blocks' convolution widths of Keras' VGG16 and VGG19. */
export const KERAS_VGG_FILTERS = [64, 128, 256, 512, 512] as const;

function checkOptions(o: VGGOptions): CheckedApplicationOptions {
  const checked = checkApplicationOptions(o);
  if (
    o.blockFilters &&
    (o.blockFilters.length !== 5 || o.blockFilters.some((f) => !Number.isInteger(f) || f < 1))
  ) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected five positive integers for blockFilters but received [${o.blockFilters.join(", ")}]`,
    );
  }
  return checked;
}

/** Builds the network with random weights (no file access), initialised as Keras does. */
export function buildVGG(variant: VGGVariant, options: VGGOptions = {}): tfl.LayersModel {
  const { includeTop, classes, inputShape } = checkOptions(options);
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
  } else {
    x = applicationPooling(x, options.pooling, {
      avg: "global_average_pooling2d",
      max: "global_max_pooling2d",
    });
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
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights === "imagenet" && (options.blockFilters || options.topUnits)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "imagenet weights need Keras' own widths: drop blockFilters/topUnits",
    );
  }
  return loadApplicationWeights(buildVGG(variant, options), variant, {
    ...options,
    byPosition: true,
  });
}

/** keras.applications.VGG16: `VGG("vgg16", options)`. Default: ImageNet weights, with the top. */
export const VGG16 = (options: VGGOptions = {}) => VGG("vgg16", options);
/** keras.applications.VGG19: `VGG("vgg19", options)`. Default: ImageNet weights, with the top. */
export const VGG19 = (options: VGGOptions = {}) => VGG("vgg19", options);
