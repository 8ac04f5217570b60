/**
 * NASNetMobile and NASNetLarge as keras.applications builds them (keras/src/applications/
 * nasnet.py), with Keras' layer names (its unnamed activations, paddings, croppings, sums and
 * concatenations carry Keras' automatic names), order and parameter counts: a 3×3/2 stem
 * convolution, two reduction cells (`stem_1`, `stem_2`), then three runs of normal cells
 * (`normal_*_{i}`) separated by reduction cells (`reduction_*_reduce_{i}`), a relu, and with
 * the top global average pooling and `predictions`. Each cell first adjusts the previous
 * cell's output to its own size and width (`adjust_*`), then sums pairs of separable
 * convolution blocks (relu, SeparableConv2D, BatchNormalization, twice) and poolings, and
 * concatenates the sums. Every BatchNormalization has Keras' momentum 0.9997. The official
 * files are loaded by position, as Keras loads them.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationPooling,
  checkApplicationOptions,
  correctPad,
  KERAS_KERNEL_INIT,
  KerasNames,
  loadApplicationWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";

/** The two NASNets of keras.applications. */
export type NASNetVariant = "nasnetmobile" | "nasnetlarge";

/** Options of `NASNet` and `buildNASNet`: keras.applications' plus graft extensions. */
export interface NASNetOptions extends ApplicationOptions {
  /**
   * graft extension: Keras' `NASNet(penultimate_filters=…)` in place of the member's own
   * (1056 for Mobile, 4032 for Large), a multiple of 96, for small test bases. Like
   * `numBlocks` and `stemBlockFilters`, `weights: "imagenet"` needs the member's own.
   */
  penultimateFilters?: number;
  /** graft extension: Keras' `num_blocks`, the normal cells per run (Mobile 4, Large 6). */
  numBlocks?: number;
  /** graft extension: Keras' `stem_block_filters` (Mobile 32, Large 96). */
  stemBlockFilters?: number;
}

interface Member {
  kerasName: string;
  penultimate: number;
  blocks: number;
  stem: number;
  /** Keras' skip_reduction: the cells after a reduction take the reduction's input as `p`. */
  skipReduction: boolean;
  size: number;
}

const MEMBERS: Record<NASNetVariant, Member> = {
  nasnetmobile: {
    kerasName: "nasnet_mobile",
    penultimate: 1056,
    blocks: 4,
    stem: 32,
    skipReduction: false,
    size: 224,
  },
  nasnetlarge: {
    kerasName: "nasnet_large",
    penultimate: 4032,
    blocks: 6,
    stem: 96,
    skipReduction: true,
    size: 331,
  },
};

/** Every NASNet variant, in Keras' order. */
export const NASNET_VARIANTS = Object.keys(MEMBERS) as NASNetVariant[];

/** The default (and, with the top or the official weights, the only) input side of `variant`. */
export function nasnetSize(variant: NASNetVariant): number {
  return (MEMBERS[variant] ?? MEMBERS.nasnetmobile).size;
}

/** The last normal cell of the first run: `normal_concat_{numBlocks - 1}`. */
export function nasnetEarlyLayer(variant: NASNetVariant): string {
  return `normal_concat_${(MEMBERS[variant] ?? MEMBERS.nasnetmobile).blocks - 1}`;
}

type T = tfl.SymbolicTensor;
/** keras nasnet's filter_multiplier, the same for both members. */
const MULTIPLIER = 2;

class Builder {
  /** Keras' automatic names of this build. */
  readonly names = new KerasNames();

  relu(x: T, name?: string): T {
    return tfl.layers
      .activation({ activation: "relu", name: name ?? this.names.auto("activation") })
      .apply(x) as T;
  }

  bn(x: T, name: string): T {
    return tfl.layers
      .batchNormalization({ axis: -1, momentum: 0.9997, epsilon: 1e-3, name })
      .apply(x) as T;
  }

  conv1x1(x: T, filters: number, name: string): T {
    return tfl.layers
      .conv2d({
        filters,
        kernelSize: 1,
        padding: "same",
        useBias: false,
        kernelInitializer: tfl.initializers.heNormal({}),
        name,
      })
      .apply(x) as T;
  }

  add(xs: T[], name?: string): T {
    return tfl.layers.add({ name: name ?? this.names.auto("add") }).apply(xs) as T;
  }

  concat(xs: T[], name?: string): T {
    return tfl.layers
      .concatenate({ axis: -1, name: name ?? this.names.auto("concatenate") })
      .apply(xs) as T;
  }

  pool(kind: "avg" | "max", x: T, size: number, stride: number, name: string): T {
    const args = {
      poolSize: size,
      strides: stride,
      padding: stride === 1 ? ("same" as const) : ("valid" as const),
      name,
    };
    return (
      kind === "avg" ? tfl.layers.averagePooling2d(args) : tfl.layers.maxPooling2d(args)
    ).apply(x) as T;
  }

  /** keras nasnet._separable_conv_block. */
  separable(x: T, filters: number, kernel: number, stride: number, id: string): T {
    let y = this.relu(x);
    let padding: "same" | "valid" = "same";
    if (stride === 2) {
      y = tfl.layers
        .zeroPadding2d({ padding: correctPad(y, kernel), name: `separable_conv_1_pad_${id}` })
        .apply(y) as T;
      padding = "valid";
    }
    const sep = (input: T, n: 1 | 2, strides: number, pad: "same" | "valid") =>
      tfl.layers
        .separableConv2d({
          filters,
          kernelSize: kernel,
          strides,
          padding: pad,
          useBias: false,
          depthwiseInitializer: KERAS_KERNEL_INIT,
          pointwiseInitializer: KERAS_KERNEL_INIT,
          name: `separable_conv_${n}_${id}`,
        })
        .apply(input) as T;
    y = this.bn(sep(y, 1, stride, padding), `separable_conv_1_bn_${id}`);
    y = this.relu(y);
    return this.bn(sep(y, 2, 1, "same"), `separable_conv_2_bn_${id}`);
  }

  /** keras nasnet._adjust_block: `p` at `ip`'s resolution and `filters` wide. */
  adjust(p: T | null, ip: T, filters: number, id: string): T {
    if (p === null) return ip;
    if (p.shape[2] !== ip.shape[2]) {
      const q = this.relu(p, `adjust_relu_1_${id}`);
      const p1 = this.conv1x1(
        this.pool("avg", q, 1, 2, `adjust_avg_pool_1_${id}`),
        Math.trunc(filters / 2),
        `adjust_conv_1_${id}`,
      );
      let p2 = tfl.layers
        .zeroPadding2d({
          padding: [
            [0, 1],
            [0, 1],
          ],
          name: this.names.auto("zero_padding2d"),
        })
        .apply(q) as T;
      p2 = tfl.layers
        .cropping2D({
          cropping: [
            [1, 0],
            [1, 0],
          ],
          name: this.names.auto("cropping2d"),
        })
        .apply(p2) as T;
      p2 = this.conv1x1(
        this.pool("avg", p2, 1, 2, `adjust_avg_pool_2_${id}`),
        Math.trunc(filters / 2),
        `adjust_conv_2_${id}`,
      );
      return this.bn(this.concat([p1, p2]), `adjust_bn_${id}`);
    }
    if (p.shape[3] !== filters) {
      const q = this.conv1x1(this.relu(p), filters, `adjust_conv_projection_${id}`);
      return this.bn(q, `adjust_bn_${id}`);
    }
    return p;
  }

  /** keras nasnet._normal_a_cell: [output, the `p` of the next cell]. */
  normal(ip: T, prev: T | null, filters: number, id: string): [T, T] {
    const p = this.adjust(prev, ip, filters, id);
    const h = this.bn(
      this.conv1x1(this.relu(ip), filters, `normal_conv_1_${id}`),
      `normal_bn_1_${id}`,
    );
    const x1 = this.add(
      [
        this.separable(h, filters, 5, 1, `normal_left1_${id}`),
        this.separable(p, filters, 3, 1, `normal_right1_${id}`),
      ],
      `normal_add_1_${id}`,
    );
    const x2 = this.add(
      [
        this.separable(p, filters, 5, 1, `normal_left2_${id}`),
        this.separable(p, filters, 3, 1, `normal_right2_${id}`),
      ],
      `normal_add_2_${id}`,
    );
    const x3 = this.add([this.pool("avg", h, 3, 1, `normal_left3_${id}`), p], `normal_add_3_${id}`);
    const x4 = this.add(
      [
        this.pool("avg", p, 3, 1, `normal_left4_${id}`),
        this.pool("avg", p, 3, 1, `normal_right4_${id}`),
      ],
      `normal_add_4_${id}`,
    );
    const x5 = this.add(
      [this.separable(h, filters, 3, 1, `normal_left5_${id}`), h],
      `normal_add_5_${id}`,
    );
    return [this.concat([p, x1, x2, x3, x4, x5], `normal_concat_${id}`), ip];
  }

  /** keras nasnet._reduction_a_cell: [output, the `p` of the next cell]. */
  reduction(ip: T, prev: T | null, filters: number, id: string): [T, T] {
    const p = this.adjust(prev, ip, filters, id);
    const h = this.bn(
      this.conv1x1(this.relu(ip), filters, `reduction_conv_1_${id}`),
      `reduction_bn_1_${id}`,
    );
    const h3 = tfl.layers
      .zeroPadding2d({ padding: correctPad(h, 3), name: `reduction_pad_1_${id}` })
      .apply(h) as T;
    const x1 = this.add(
      [
        this.separable(h, filters, 5, 2, `reduction_left1_${id}`),
        this.separable(p, filters, 7, 2, `reduction_right1_${id}`),
      ],
      `reduction_add_1_${id}`,
    );
    const x2 = this.add(
      [
        this.pool("max", h3, 3, 2, `reduction_left2_${id}`),
        this.separable(p, filters, 7, 2, `reduction_right2_${id}`),
      ],
      `reduction_add_2_${id}`,
    );
    const x3 = this.add(
      [
        this.pool("avg", h3, 3, 2, `reduction_left3_${id}`),
        this.separable(p, filters, 5, 2, `reduction_right3_${id}`),
      ],
      `reduction_add3_${id}`,
    );
    const x4 = this.add([x2, this.pool("avg", x1, 3, 1, `reduction_left4_${id}`)]);
    const x5 = this.add(
      [
        this.separable(x1, filters, 3, 1, `reduction_left4_${id}`),
        this.pool("max", h3, 3, 2, `reduction_right5_${id}`),
      ],
      `reduction_add4_${id}`,
    );
    return [this.concat([x2, x3, x4, x5], `reduction_concat_${id}`), ip];
  }
}

function positiveInteger(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!(Number.isInteger(v) && v > 0)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Expected a positive integer ${what} but received ${String(v)}`,
    );
  }
  return v;
}

/** Builds a NASNet with random weights (no file access), initialised as Keras does. */
export function buildNASNet(variant: NASNetVariant, options: NASNetOptions = {}): tfl.LayersModel {
  if (!Object.hasOwn(MEMBERS, variant)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown NASNet ${JSON.stringify(variant)}; expected one of ${NASNET_VARIANTS.join(", ")}`,
    );
  }
  const m = MEMBERS[variant];
  const penultimate = positiveInteger(
    options.penultimateFilters,
    m.penultimate,
    "penultimateFilters",
  );
  const blocks = positiveInteger(options.numBlocks, m.blocks, "numBlocks");
  const stemFilters = positiveInteger(options.stemBlockFilters, m.stem, "stemBlockFilters");
  // Keras' NASNetMobile/NASNetLarge fix the input side without the top too.
  const checked = checkApplicationOptions(
    { ...options, inputShape: options.inputShape ?? [m.size, m.size, 3] },
    32,
    m.size,
  );
  const [rows, cols] = checked.inputShape;
  if (rows === null || cols === null) {
    // Keras compares the cells' static sides to decide how to adjust them.
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `NASNet needs a fixed input size; received [${checked.inputShape.join(", ")}]`,
    );
  }
  const own = penultimate === m.penultimate && blocks === m.blocks && stemFilters === m.stem;
  if (checked.weights === "imagenet" && !own) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "imagenet weights need Keras' own NASNet: drop penultimateFilters/numBlocks/stemBlockFilters",
    );
  }
  if (penultimate % (24 * MULTIPLIER ** 2) !== 0) {
    // Keras' own message.
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `For NASNet-A models, the penultimate_filters must be a multiple of 24 * (filter_multiplier ** 2). Current value: ${penultimate}`,
    );
  }
  const filters = Math.trunc(penultimate / 24);
  const b = new Builder();
  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = tfl.layers
    .conv2d({
      filters: stemFilters,
      kernelSize: 3,
      strides: 2,
      padding: "valid",
      useBias: false,
      kernelInitializer: tfl.initializers.heNormal({}),
      name: "stem_conv1",
    })
    .apply(input) as T;
  x = b.bn(x, "stem_bn1");
  let p: T | null = null;
  [x, p] = b.reduction(x, p, Math.trunc(filters / MULTIPLIER ** 2), "stem_1");
  [x, p] = b.reduction(x, p, Math.trunc(filters / MULTIPLIER), "stem_2");
  for (let run = 0; run < 3; run++) {
    const width = filters * MULTIPLIER ** run;
    if (run > 0) {
      let p0: T;
      [x, p0] = b.reduction(x, p, width, `reduce_${run * blocks}`);
      if (!m.skipReduction) p = p0;
    }
    for (let i = 0; i < blocks; i++) {
      [x, p] = b.normal(x, p, width, `${run === 0 ? i : run * blocks + i + 1}`);
    }
  }
  x = b.relu(x);
  if (checked.includeTop) {
    x = tfl.layers
      .globalAveragePooling2d({ name: b.names.auto("global_average_pooling2d") })
      .apply(x) as T;
    x = tfl.layers
      .dense({
        units: checked.classes,
        activation: options.classifierActivation ?? "softmax",
        kernelInitializer: KERAS_KERNEL_INIT,
        name: "predictions",
      })
      .apply(x) as T;
  } else {
    x = applicationPooling(x, options.pooling, {
      avg: "global_average_pooling2d",
      max: "global_max_pooling2d",
    });
  }
  const model = tfl.model({ inputs: input, outputs: x, name: m.kerasName });
  // The cells' 1×1 convolutions and their BatchNormalizations run as one FusedConv2D in
  // inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.NASNetMobile / NASNetLarge: builds the network and loads its weights, by
 * position as Keras loads the official files. Inputs are prepared as `preprocessInput(x, "tf")`.
 */
export async function NASNet(
  variant: NASNetVariant,
  options: NASNetOptions = {},
): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildNASNet(variant, options), variant, {
    ...options,
    byPosition: true,
  });
}
