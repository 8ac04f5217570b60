/**
 * Xception as keras.applications builds it (keras/src/applications/xception.py), with Keras'
 * layer names, order and parameter counts: two plain 3×3 convolutions (`block1_conv1`,
 * `block1_conv2`), three entry blocks of separable convolutions that end in a 3×3/2 max pool
 * and add a strided 1×1 projection of their input, eight middle blocks of three separable
 * convolutions added to their input, an exit block like the entry ones, then `block14`'s two
 * separable convolutions to 2048 channels. The projections, their BatchNormalizations and the
 * Adds carry no name in Keras and get its automatic ones (`conv2d`, `batch_normalization_1`,
 * `add_2`, …); the official files are loaded by position, as Keras loads them.
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

/** Options of `Xception` and `buildXception`: keras.applications' plus one graft extension. */
export interface XceptionOptions extends ApplicationOptions {
  /**
   * graft extension: every convolution's filters times this (truncated), for narrow test
   * bases; Keras' own is 1. `weights: "imagenet"` needs 1.
   */
  filterScale?: number;
}

type T = tfl.SymbolicTensor;

/** Checks a graft `filterScale` and returns it (default 1). */
export function checkFilterScale(scale: number | undefined, weights: string | null): number {
  const s = scale ?? 1;
  if (!(typeof s === "number" && Number.isFinite(s) && s > 0 && s <= 1)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected filterScale in (0, 1] but received ${String(scale)}`,
    );
  }
  if (s !== 1 && weights === "imagenet") {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "imagenet weights need Keras' own widths: drop filterScale",
    );
  }
  return s;
}

class Builder {
  readonly names = new KerasNames();
  constructor(private readonly scale: number) {}

  width(filters: number): number {
    return Math.max(1, Math.trunc(filters * this.scale));
  }

  bn(x: T, name?: string): T {
    return tfl.layers
      .batchNormalization({ axis: 3, name: name ?? this.names.auto("batch_normalization") })
      .apply(x) as T;
  }

  relu(x: T, name: string): T {
    return tfl.layers.activation({ activation: "relu", name }).apply(x) as T;
  }

  sep(x: T, filters: number, name: string): T {
    const y = tfl.layers
      .separableConv2d({
        filters: this.width(filters),
        kernelSize: 3,
        padding: "same",
        useBias: false,
        depthwiseInitializer: KERAS_KERNEL_INIT,
        pointwiseInitializer: KERAS_KERNEL_INIT,
        name,
      })
      .apply(x) as T;
    return this.bn(y, `${name}_bn`);
  }

  /** The strided 1×1 projection (and its BN) an entry or exit block adds to its output. */
  residual(x: T, filters: number): T {
    const y = tfl.layers
      .conv2d({
        filters: this.width(filters),
        kernelSize: 1,
        strides: 2,
        padding: "same",
        useBias: false,
        kernelInitializer: KERAS_KERNEL_INIT,
        name: this.names.auto("conv2d"),
      })
      .apply(x) as T;
    return this.bn(y);
  }

  pool(x: T, name: string): T {
    return tfl.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: "same", name })
      .apply(x) as T;
  }

  add(a: T, b: T): T {
    return tfl.layers.add({ name: this.names.auto("add") }).apply([a, b]) as T;
  }

  /** An entry or exit block: [relu] sep, relu, sep, pool, + projection. */
  downBlock(x: T, block: number, f1: number, f2: number, leadingRelu: boolean): T {
    const residual = this.residual(x, f2);
    const p = `block${block}`;
    let y = leadingRelu ? this.relu(x, `${p}_sepconv1_act`) : x;
    y = this.sep(y, f1, `${p}_sepconv1`);
    y = this.sep(this.relu(y, `${p}_sepconv2_act`), f2, `${p}_sepconv2`);
    return this.add(this.pool(y, `${p}_pool`), residual);
  }
}

/** Builds Xception with random weights (no file access), initialised as Keras does. */
export function buildXception(options: XceptionOptions = {}): tfl.LayersModel {
  const checked = checkApplicationOptions(options, 71, 299);
  const b = new Builder(checkFilterScale(options.filterScale, checked.weights));
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  const plain = (x: T, filters: number, strides: number, name: string) =>
    b.relu(
      b.bn(
        tfl.layers
          .conv2d({
            filters: b.width(filters),
            kernelSize: 3,
            strides,
            useBias: false,
            kernelInitializer: KERAS_KERNEL_INIT,
            name,
          })
          .apply(x) as T,
        `${name}_bn`,
      ),
      `${name}_act`,
    );
  let x = plain(input, 32, 2, "block1_conv1");
  x = plain(x, 64, 1, "block1_conv2");
  x = b.downBlock(x, 2, 128, 128, false);
  x = b.downBlock(x, 3, 256, 256, true);
  x = b.downBlock(x, 4, 728, 728, true);
  for (let i = 5; i < 13; i++) {
    let y = x;
    for (let s = 1; s <= 3; s++)
      y = b.sep(b.relu(y, `block${i}_sepconv${s}_act`), 728, `block${i}_sepconv${s}`);
    x = b.add(y, x);
  }
  x = b.downBlock(x, 13, 728, 1024, true);
  x = b.relu(b.sep(x, 1536, "block14_sepconv1"), "block14_sepconv1_act");
  x = b.relu(b.sep(x, 2048, "block14_sepconv2"), "block14_sepconv2_act");
  x = applicationTop(x, options, checked, {
    avg: checked.includeTop ? "avg_pool" : "global_average_pooling2d",
    max: "global_max_pooling2d",
  });
  const model = tfl.model({ inputs: input, outputs: x, name: "xception" });
  // block1's convolutions and the projections are Conv → BN (→ relu): one FusedConv2D each in
  // inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.Xception: builds the network and loads its weights, by position as
 * Keras loads the official files (their unnamed layers are numbered as Keras 2 numbered them).
 */
export async function Xception(options: XceptionOptions = {}): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildXception(options), "xception", {
    ...options,
    byPosition: true,
  });
}
