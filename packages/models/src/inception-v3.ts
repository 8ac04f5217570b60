/**
 * InceptionV3 as keras.applications builds it (keras/src/applications/inception_v3.py), with
 * Keras' layer order and parameter counts: a stem of five conv-BN-relu units and two 3×3/2 max
 * pools, then the Inception modules `mixed0` … `mixed10` (parallel 1×1, 5×5 or factorised 7×7,
 * double 3×3 and pooled branches, concatenated). Every unit is Keras' `conv2d_bn`: a Conv2D
 * without bias, a BatchNormalization without scale, a relu, all with Keras' automatic names
 * (`conv2d_17`, `batch_normalization_17`, `activation_17`); only the concatenations are
 * named. The official files are loaded by position, as Keras loads them.
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
import { foldBatchNorm } from "./fold-bn.ts";
import { checkFilterScale } from "./xception.ts";

/** Options of `InceptionV3` and `buildInceptionV3`: keras.applications' plus one graft extension. */
export interface InceptionV3Options extends ApplicationOptions {
  /**
   * graft extension: every convolution's filters times this (truncated), for narrow test
   * bases; Keras' own is 1. `weights: "imagenet"` needs 1.
   */
  filterScale?: number;
}

type T = tfl.SymbolicTensor;

/**
 * Builds the Inception families' units with Keras' automatic names (InceptionV3 and
 * InceptionResNetV2 share it), every convolution's filters times `scale`.
 */
export class InceptionBuilder {
  /** Keras' automatic names of this build. */
  readonly names = new KerasNames();
  constructor(private readonly scale: number) {}

  /** `filters` times the build's scale, truncated, at least 1. */
  filters(filters: number): number {
    return Math.max(1, Math.trunc(filters * this.scale));
  }

  /**
   * keras inception_v3.conv2d_bn (and inception_resnet_v2's): a Conv2D without bias, a
   * BatchNormalization without scale and a relu, automatically named, or `name`, `name_bn` and
   * `name_ac` where `o.name` is given.
   */
  cbr(
    x: T,
    filters: number,
    rows: number,
    cols: number,
    o: { strides?: number; padding?: "same" | "valid"; name?: string } = {},
  ): T {
    let y = tfl.layers
      .conv2d({
        filters: this.filters(filters),
        kernelSize: [rows, cols],
        strides: o.strides ?? 1,
        padding: o.padding ?? "same",
        useBias: false,
        kernelInitializer: KERAS_KERNEL_INIT,
        name: o.name ?? this.names.auto("conv2d"),
      })
      .apply(x) as T;
    y = tfl.layers
      .batchNormalization({
        axis: 3,
        scale: false,
        name: o.name ? `${o.name}_bn` : this.names.auto("batch_normalization"),
      })
      .apply(y) as T;
    return tfl.layers
      .activation({
        activation: "relu",
        name: o.name ? `${o.name}_ac` : this.names.auto("activation"),
      })
      .apply(y) as T;
  }

  /**
   * The stem both families share: five conv2d_bn units (3×3/2, 3×3, 3×3, 1×1, 3×3) with a 3×3/2
   * max pooling after the third and the fifth, to 35×35 at 299 px.
   */
  stem(input: T): T {
    let x = this.cbr(input, 32, 3, 3, { strides: 2, padding: "valid" });
    x = this.cbr(x, 32, 3, 3, { padding: "valid" });
    x = this.cbr(x, 64, 3, 3);
    x = this.maxPool(x);
    x = this.cbr(x, 80, 1, 1, { padding: "valid" });
    x = this.cbr(x, 192, 3, 3, { padding: "valid" });
    return this.maxPool(x);
  }

  /** A 3×3/2 max pooling, valid padding. */
  maxPool(x: T): T {
    return tfl.layers
      .maxPooling2d({ poolSize: 3, strides: 2, name: this.names.auto("max_pooling2d") })
      .apply(x) as T;
  }

  /** A 3×3/1 average pooling, same padding. */
  avgPool(x: T): T {
    return tfl.layers
      .averagePooling2d({
        poolSize: 3,
        strides: 1,
        padding: "same",
        name: this.names.auto("average_pooling2d"),
      })
      .apply(x) as T;
  }

  /** A concatenation along the channels, `name` or automatically named. */
  concat(xs: T[], name?: string): T {
    return tfl.layers
      .concatenate({ axis: 3, name: name ?? this.names.auto("concatenate") })
      .apply(xs) as T;
  }
}

/** Builds InceptionV3 with random weights (no file access), initialised as Keras does. */
export function buildInceptionV3(options: InceptionV3Options = {}): tfl.LayersModel {
  const checked = checkApplicationOptions(options, 75, 299);
  const b = new InceptionBuilder(checkFilterScale(options.filterScale, checked.weights));
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = b.stem(input);

  // mixed0-2: 35×35 modules (1×1, 5×5, double 3×3, pooled 1×1 of 32 or 64).
  for (const [i, poolFilters] of [32, 64, 64].entries()) {
    const b1 = b.cbr(x, 64, 1, 1);
    const b5 = b.cbr(b.cbr(x, 48, 1, 1), 64, 5, 5);
    const b3 = b.cbr(b.cbr(b.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    const bp = b.cbr(b.avgPool(x), poolFilters, 1, 1);
    x = b.concat([b1, b5, b3, bp], `mixed${i}`);
  }

  // mixed3: reduction to 17×17.
  {
    const b3 = b.cbr(x, 384, 3, 3, { strides: 2, padding: "valid" });
    let bd = b.cbr(b.cbr(x, 64, 1, 1), 96, 3, 3);
    bd = b.cbr(bd, 96, 3, 3, { strides: 2, padding: "valid" });
    x = b.concat([b3, bd, b.maxPool(x)], "mixed3");
  }

  // mixed4-7: 17×17 modules with factorised 7×7 branches of 128, 160, 160, 192 filters.
  for (const [i, f] of [128, 160, 160, 192].entries()) {
    const b1 = b.cbr(x, 192, 1, 1);
    const b7 = b.cbr(b.cbr(b.cbr(x, f, 1, 1), f, 1, 7), 192, 7, 1);
    let bd = b.cbr(b.cbr(x, f, 1, 1), f, 7, 1);
    bd = b.cbr(b.cbr(b.cbr(bd, f, 1, 7), f, 7, 1), 192, 1, 7);
    const bp = b.cbr(b.avgPool(x), 192, 1, 1);
    x = b.concat([b1, b7, bd, bp], `mixed${4 + i}`);
  }

  // mixed8: reduction to 8×8.
  {
    const b3 = b.cbr(b.cbr(x, 192, 1, 1), 320, 3, 3, { strides: 2, padding: "valid" });
    let b7 = b.cbr(b.cbr(b.cbr(x, 192, 1, 1), 192, 1, 7), 192, 7, 1);
    b7 = b.cbr(b7, 192, 3, 3, { strides: 2, padding: "valid" });
    x = b.concat([b3, b7, b.maxPool(x)], "mixed8");
  }

  // mixed9-10: 8×8 modules with split 1×3 / 3×1 branches.
  for (let i = 0; i < 2; i++) {
    const b1 = b.cbr(x, 320, 1, 1);
    const b3in = b.cbr(x, 384, 1, 1);
    const b3 = b.concat([b.cbr(b3in, 384, 1, 3), b.cbr(b3in, 384, 3, 1)], `mixed9_${i}`);
    const bdin = b.cbr(b.cbr(x, 448, 1, 1), 384, 3, 3);
    const bd = b.concat([b.cbr(bdin, 384, 1, 3), b.cbr(bdin, 384, 3, 1)]);
    const bp = b.cbr(b.avgPool(x), 192, 1, 1);
    x = b.concat([b1, b3, bd, bp], `mixed${9 + i}`);
  }

  x = applicationTop(x, options, checked, {
    avg: checked.includeTop ? "avg_pool" : "global_average_pooling2d",
    max: "global_max_pooling2d",
  });
  const model = tfl.model({ inputs: input, outputs: x, name: "inception_v3" });
  // Every unit is Conv → BN → relu: one FusedConv2D each in inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.InceptionV3: builds the network and loads its weights, by position as
 * Keras loads the official files.
 */
export async function InceptionV3(options: InceptionV3Options = {}): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildInceptionV3(options), "inception_v3", {
    ...options,
    byPosition: true,
  });
}
