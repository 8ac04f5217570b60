/**
 * InceptionResNetV2 as keras.applications builds it (keras/src/applications/
 * inception_resnet_v2.py), with Keras' layer order and parameter counts: InceptionV3's stem,
 * the `mixed_5b` module, ten Inception-ResNet-A blocks (`block35_N`) at 35×35, the `mixed_6a`
 * reduction, twenty B blocks (`block17_N`) at 17×17, the `mixed_7a` reduction and ten C blocks
 * (`block8_N`) at 8×8, then `conv_7b`. Each block concatenates its branches (`{block}_mixed`),
 * projects them back to the block's width with a biased 1×1 convolution (`{block}_conv`), adds
 * them to its input scaled by 0.17, 0.1 or 0.2 (Keras' `CustomScaleLayer`, automatically
 * named) and applies a relu (`{block}_ac`; the last block has none). The branches' units are
 * Keras' `conv2d_bn` (Conv2D without bias, BatchNormalization without scale, relu) with Keras'
 * automatic names. The official files are loaded by position, as Keras loads them.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationTop,
  checkApplicationOptions,
  KERAS_KERNEL_INIT,
  loadApplicationWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";
import { InceptionBuilder } from "./inception-v3.ts";
import { checkFilterScale } from "./xception.ts";

/** Options of `InceptionResNetV2` and `buildInceptionResNetV2`: keras.applications' plus one graft extension. */
export interface InceptionResNetV2Options extends ApplicationOptions {
  /**
   * graft extension: the branches' filters (and `conv_7b`'s) times this (truncated), for
   * narrow test bases; the blocks' projections keep their input's width, as Keras builds them.
   * Keras' own is 1. `weights: "imagenet"` needs 1.
   */
  filterScale?: number;
}

/** The options of `CustomScaleLayer`. */
export interface CustomScaleLayerArgs {
  /** The factor of the residual (the second input). */
  scale: number;
  /** Layer name. */
  name?: string;
  /** Passed to tfjs' Layer. */
  trainable?: boolean;
  /** Passed to tfjs' Layer. */
  dtype?: tf.DataType;
}

/**
 * Keras' `CustomScaleLayer` of InceptionResNetV2: `inputs[0] + inputs[1] · scale`, the
 * shortcut plus the scaled residual. No weights. Registered with tfjs' serialization under
 * Keras' class name (Keras itself loads a saved model holding one with
 * `custom_objects={"CustomScaleLayer": keras.src.applications.inception_resnet_v2.CustomScaleLayer}`).
 */
export class CustomScaleLayer extends tfl.layers.Layer {
  /** tfjs' serialization name, as Keras'. */
  static className = "CustomScaleLayer";
  /** The residual's factor. */
  readonly scale: number;

  constructor(args: CustomScaleLayerArgs) {
    super({
      ...(args.name !== undefined && { name: args.name }),
      ...(args.trainable !== undefined && { trainable: args.trainable }),
      ...(args.dtype !== undefined && { dtype: args.dtype }),
    });
    if (!(typeof args.scale === "number" && Number.isFinite(args.scale))) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `CustomScaleLayer: expected a finite scale but received ${String(args.scale)}`,
      );
    }
    this.scale = args.scale;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, up] = inputs as tf.Tensor[];
    return tf.tidy(() => tf.add(x as tf.Tensor, tf.mul(up as tf.Tensor, this.scale)));
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return (inputShape as tfl.Shape[])[0] as tfl.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}
tf.serialization.registerClass(CustomScaleLayer);

type T = tfl.SymbolicTensor;

/** keras inception_resnet_v2.inception_resnet_block. */
function block(
  b: InceptionBuilder,
  x: T,
  type: "block35" | "block17" | "block8",
  index: number,
  scale: number,
  activation = true,
): T {
  let branches: T[];
  if (type === "block35") {
    branches = [
      b.cbr(x, 32, 1, 1),
      b.cbr(b.cbr(x, 32, 1, 1), 32, 3, 3),
      b.cbr(b.cbr(b.cbr(x, 32, 1, 1), 48, 3, 3), 64, 3, 3),
    ];
  } else if (type === "block17") {
    branches = [b.cbr(x, 192, 1, 1), b.cbr(b.cbr(b.cbr(x, 128, 1, 1), 160, 1, 7), 192, 7, 1)];
  } else {
    branches = [b.cbr(x, 192, 1, 1), b.cbr(b.cbr(b.cbr(x, 192, 1, 1), 224, 1, 3), 256, 3, 1)];
  }
  const name = `${type}_${index}`;
  const mixed = b.concat(branches, `${name}_mixed`);
  const up = tfl.layers
    .conv2d({
      filters: x.shape[3] as number,
      kernelSize: 1,
      padding: "same",
      useBias: true,
      kernelInitializer: KERAS_KERNEL_INIT,
      name: `${name}_conv`,
    })
    .apply(mixed) as T;
  const y = new CustomScaleLayer({ scale, name: b.names.auto("custom_scale_layer") }).apply([
    x,
    up,
  ]) as T;
  return activation
    ? (tfl.layers.activation({ activation: "relu", name: `${name}_ac` }).apply(y) as T)
    : y;
}

/** Builds InceptionResNetV2 with random weights (no file access), initialised as Keras does. */
export function buildInceptionResNetV2(options: InceptionResNetV2Options = {}): tfl.LayersModel {
  const checked = checkApplicationOptions(options, 75, 299);
  const b = new InceptionBuilder(checkFilterScale(options.filterScale, checked.weights));
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = b.stem(input);

  const s2 = { strides: 2, padding: "valid" as const };
  // mixed_5b: the 35×35 Inception-A module.
  x = b.concat(
    [
      b.cbr(x, 96, 1, 1),
      b.cbr(b.cbr(x, 48, 1, 1), 64, 5, 5),
      b.cbr(b.cbr(b.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3),
      b.cbr(b.avgPool(x), 64, 1, 1),
    ],
    "mixed_5b",
  );
  for (let i = 1; i <= 10; i++) x = block(b, x, "block35", i, 0.17);

  // mixed_6a: reduction to 17×17.
  x = b.concat(
    [
      b.cbr(x, 384, 3, 3, s2),
      b.cbr(b.cbr(b.cbr(x, 256, 1, 1), 256, 3, 3), 384, 3, 3, s2),
      b.maxPool(x),
    ],
    "mixed_6a",
  );
  for (let i = 1; i <= 20; i++) x = block(b, x, "block17", i, 0.1);

  // mixed_7a: reduction to 8×8.
  x = b.concat(
    [
      b.cbr(b.cbr(x, 256, 1, 1), 384, 3, 3, s2),
      b.cbr(b.cbr(x, 256, 1, 1), 288, 3, 3, s2),
      b.cbr(b.cbr(b.cbr(x, 256, 1, 1), 288, 3, 3), 320, 3, 3, s2),
      b.maxPool(x),
    ],
    "mixed_7a",
  );
  for (let i = 1; i <= 9; i++) x = block(b, x, "block8", i, 0.2);
  x = block(b, x, "block8", 10, 1.0, false);
  x = b.cbr(x, 1536, 1, 1, { name: "conv_7b" });

  x = applicationTop(x, options, checked, {
    avg: checked.includeTop ? "avg_pool" : "global_average_pooling2d",
    max: "global_max_pooling2d",
  });
  const model = tfl.model({ inputs: input, outputs: x, name: "inception_resnet_v2" });
  // Every conv2d_bn unit is Conv → BN → relu: one FusedConv2D each in inference mode.
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.InceptionResNetV2: builds the network and loads its weights, by position
 * as Keras loads the official files.
 */
export async function InceptionResNetV2(
  options: InceptionResNetV2Options = {},
): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildInceptionResNetV2(options), "inception_resnet_v2", {
    ...options,
    byPosition: true,
  });
}
