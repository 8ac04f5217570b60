/**
 * EfficientNetB0 … B7 as keras.applications builds them (keras/src/applications/
 * efficientnet.py), with Keras' layer names, order and parameter counts. The input is raw
 * 0–255 pixels: the model itself rescales them (`rescaling`, 1/255) and normalises them
 * (`normalization`, the ImageNet mean and variance held as weights), and with
 * `weights: "imagenet"` a per-channel `rescaling_1` after it corrects the official files'
 * stored variance, as Keras does. Then a 3×3/2 stem (`stem_conv`, `stem_bn`,
 * `stem_activation`), seven stages of MBConv blocks `block{stage}{a,b,…}_` (1×1 expansion,
 * depthwise k×k, squeeze-and-excitation, 1×1 projection, a drop-connect `Dropout` and `add`
 * where the block keeps its shape), `top_conv`/`top_bn`/`top_activation`, and with the top
 * `avg_pool`, `top_dropout` and `predictions`. The members scale widths, depths and the input
 * side by Keras' coefficients.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  applicationPooling,
  type CheckedApplicationOptions,
  checkApplicationOptions,
  checkPositive,
  correctPad,
  loadApplicationWeights,
} from "./application.ts";
import "./batchnorm.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";
import { Normalization } from "./normalization.ts";

/** The eight EfficientNets of keras.applications. */
export type EfficientNetVariant =
  | "efficientnetb0"
  | "efficientnetb1"
  | "efficientnetb2"
  | "efficientnetb3"
  | "efficientnetb4"
  | "efficientnetb5"
  | "efficientnetb6"
  | "efficientnetb7";

/** Options of `EfficientNet` and `buildEfficientNet`: keras.applications' plus graft extensions. */
export interface EfficientNetOptions extends ApplicationOptions {
  /**
   * graft extension: Keras' `EfficientNet(width_coefficient, depth_coefficient, …)` arguments
   * in place of the member's own, for small test bases. `weights: "imagenet"` needs the
   * member's own.
   */
  widthCoefficient?: number;
  /** graft extension: see `widthCoefficient`. */
  depthCoefficient?: number;
  /**
   * graft extension: Keras' `EfficientNet(dropout_rate=…)`, the top's dropout (default the
   * member's, 0.2 … 0.5); 0 leaves `top_dropout` out, as Keras does.
   */
  dropoutRate?: number;
  /**
   * graft extension: Keras' `drop_connect_rate` (default 0.2), the largest rate of the blocks'
   * drop-connect, which grows linearly along the blocks; 0 leaves the `drop` layers out.
   */
  dropConnectRate?: number;
}

// [width, depth, default side, top dropout] of each member, as Keras' constructors pass them.
const MEMBERS: Record<EfficientNetVariant, [number, number, number, number]> = {
  efficientnetb0: [1.0, 1.0, 224, 0.2],
  efficientnetb1: [1.0, 1.1, 240, 0.2],
  efficientnetb2: [1.1, 1.2, 260, 0.3],
  efficientnetb3: [1.2, 1.4, 300, 0.3],
  efficientnetb4: [1.4, 1.8, 380, 0.4],
  efficientnetb5: [1.6, 2.2, 456, 0.4],
  efficientnetb6: [1.8, 2.6, 528, 0.5],
  efficientnetb7: [2.0, 3.1, 600, 0.5],
};

/** Every EfficientNet variant, in Keras' order. */
export const EFFICIENTNET_VARIANTS = Object.keys(MEMBERS) as EfficientNetVariant[];

/** The default input side of `variant` (224 for B0 … 600 for B7). */
export function efficientNetSize(variant: EfficientNetVariant): number {
  return (MEMBERS[variant] ?? MEMBERS.efficientnetb0)[2];
}

// [kernel, repeats, filters in, filters out, expansion, stride] of Keras' DEFAULT_BLOCKS_ARGS
// (every stage has id_skip and se_ratio 0.25).
const STAGES: [number, number, number, number, number, number][] = [
  [3, 1, 32, 16, 1, 1],
  [3, 2, 16, 24, 6, 2],
  [5, 2, 24, 40, 6, 2],
  [3, 3, 40, 80, 6, 2],
  [5, 3, 80, 112, 6, 1],
  [5, 4, 112, 192, 6, 2],
  [3, 1, 192, 320, 6, 1],
];
const SE_RATIO = 0.25;
/** The ImageNet standard deviations Keras' correcting rescaling divides by the square root of. */
const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];

type T = tfl.SymbolicTensor;

// Keras' CONV_KERNEL_INITIALIZER (the same in efficientnet_v2.py).
const effConvInit = () =>
  tfl.initializers.varianceScaling({ scale: 2, mode: "fanOut", distribution: "truncatedNormal" });
// Keras' DENSE_KERNEL_INITIALIZER.
const denseInit = () =>
  tfl.initializers.varianceScaling({ scale: 1 / 3, mode: "fanOut", distribution: "uniform" });

/** The options of `effConv`. */
export interface EffConvOptions {
  /** Kernel side (default 1). */
  kernel?: number;
  /** Stride (default 1). */
  strides?: number;
  /** A fused activation, as the squeeze-and-excitation convolutions have. */
  activation?: "swish" | "sigmoid";
  /** With a bias (default false). */
  bias?: boolean;
}

/** An EfficientNet convolution: "same" padding, Keras' initializer, no bias unless asked. */
export function effConv(x: T, filters: number, name: string, o: EffConvOptions = {}): T {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize: o.kernel ?? 1,
      strides: o.strides ?? 1,
      padding: "same",
      useBias: o.bias ?? false,
      kernelInitializer: effConvInit(),
      ...(o.activation && { activation: o.activation }),
      name,
    })
    .apply(x) as T;
}

/** An EfficientNet depthwise convolution: no bias, Keras' initializer. */
export function effDepthwise(
  x: T,
  kernel: number,
  strides: number,
  padding: "same" | "valid",
  name: string,
): T {
  return tfl.layers
    .depthwiseConv2d({
      kernelSize: kernel,
      strides,
      padding,
      useBias: false,
      depthwiseInitializer: effConvInit(),
      name,
    })
    .apply(x) as T;
}

/**
 * BatchNormalization `bn` (with `momentum`: Keras' 0.99 in EfficientNet, 0.9 in V2) and, unless
 * `act` is null, the swish `Activation` named `act`.
 */
export function bnSwish(x: T, bn: string, act: string | null, momentum = 0.99): T {
  const y = tfl.layers.batchNormalization({ axis: 3, momentum, name: bn }).apply(x) as T;
  return act ? (tfl.layers.activation({ activation: "swish", name: act }).apply(y) as T) : y;
}

/**
 * Squeeze-and-excitation: global average pooling, a swish 1×1 convolution to `filtersSe`
 * channels and a sigmoid one back to `filters`, multiplied into `x` (`{name}se_*`).
 */
export function squeezeExcite(x: T, filters: number, filtersSe: number, name: string): T {
  let se = tfl.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }).apply(x) as T;
  se = tfl.layers
    .reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` })
    .apply(se) as T;
  se = effConv(se, filtersSe, `${name}se_reduce`, { activation: "swish", bias: true });
  se = effConv(se, filters, `${name}se_expand`, { activation: "sigmoid", bias: true });
  return tfl.layers.multiply({ name: `${name}se_excite` }).apply([x, se]) as T;
}

/**
 * The residual end of a block that keeps its shape (stride 1, as many filters out as in):
 * drop-connect (`{name}drop`, where the rate is above 0) and `{name}add`; other blocks end
 * as they are.
 */
export function residual(x: T, inputs: T, a: BlockArgs, name: string): T {
  if (a.stride !== 1 || a.filtersIn !== a.filtersOut) return x;
  let y = x;
  if (a.dropRate > 0) {
    y = tfl.layers
      .dropout({
        rate: a.dropRate,
        noiseShape: [null, 1, 1, 1] as unknown as number[],
        name: `${name}drop`,
      })
      .apply(y) as T;
  }
  return tfl.layers.add({ name: `${name}add` }).apply([y, inputs]) as T;
}

/** One MBConv block's arguments, as Keras' blocks_args give them (after rounding). */
export interface BlockArgs {
  /** The depthwise (or fused) convolution's side. */
  kernel: number;
  /** The block's input width. */
  filtersIn: number;
  /** The block's output width. */
  filtersOut: number;
  /** The expansion ratio (1: no expansion convolution). */
  expansion: number;
  /** The block's stride. */
  stride: number;
  /** The drop-connect rate of its residual (0: no `drop` layer). */
  dropRate: number;
}

/** keras efficientnet.block: the MBConv block with squeeze-and-excitation. */
function block(inputs: T, a: BlockArgs, name: string): T {
  const filters = a.filtersIn * a.expansion;
  let x = inputs;
  if (a.expansion !== 1) {
    x = bnSwish(
      effConv(x, filters, `${name}expand_conv`),
      `${name}expand_bn`,
      `${name}expand_activation`,
    );
  }
  let padding: "same" | "valid" = "same";
  if (a.stride === 2) {
    x = tfl.layers
      .zeroPadding2d({ padding: correctPad(x, a.kernel), name: `${name}dwconv_pad` })
      .apply(x) as T;
    padding = "valid";
  }
  x = effDepthwise(x, a.kernel, a.stride, padding, `${name}dwconv`);
  x = bnSwish(x, `${name}bn`, `${name}activation`);
  x = squeezeExcite(x, filters, Math.max(1, Math.trunc(a.filtersIn * SE_RATIO)), name);
  x = bnSwish(effConv(x, a.filtersOut, `${name}project_conv`), `${name}project_bn`, null);
  return residual(x, inputs, a, name);
}

/** A dropout rate in [0, 1), or `fallback` when left out. */
export function checkRate(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!(typeof v === "number" && v >= 0 && v < 1)) {
    throw new ModelsError("ERR_GRAFT_ARG", `Expected ${what} in [0, 1) but received ${String(v)}`);
  }
  return v;
}

/**
 * The end both EfficientNet generations share: with the top, `avg_pool`, `top_dropout` (where
 * the rate is above 0) and the `predictions` Dense layer with Keras' initializer; without it,
 * `pooling`'s end.
 */
export function efficientNetTop(
  x: T,
  options: ApplicationOptions,
  checked: CheckedApplicationOptions,
  dropoutRate: number,
): T {
  if (!checked.includeTop) return applicationPooling(x, options.pooling);
  let y = tfl.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(x) as T;
  if (dropoutRate > 0) {
    y = tfl.layers.dropout({ rate: dropoutRate, name: "top_dropout" }).apply(y) as T;
  }
  return tfl.layers
    .dense({
      units: checked.classes,
      activation: options.classifierActivation ?? "softmax",
      kernelInitializer: denseInit(),
      name: "predictions",
    })
    .apply(y) as T;
}

/** Builds an EfficientNet with random weights (no file access), initialised as Keras does. */
export function buildEfficientNet(
  variant: EfficientNetVariant,
  options: EfficientNetOptions = {},
): tfl.LayersModel {
  if (!Object.hasOwn(MEMBERS, variant)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown EfficientNet ${JSON.stringify(variant)}; expected one of ${EFFICIENTNET_VARIANTS.join(", ")}`,
    );
  }
  const [ownWidth, ownDepth, size, dropout] = MEMBERS[variant];
  checkPositive(options.widthCoefficient, "widthCoefficient");
  checkPositive(options.depthCoefficient, "depthCoefficient");
  const dropoutRate = checkRate(options.dropoutRate, dropout, "dropoutRate");
  const dropConnect = checkRate(options.dropConnectRate, 0.2, "dropConnectRate");
  const checked = checkApplicationOptions(options, 32, size);
  const width = options.widthCoefficient ?? ownWidth;
  const depth = options.depthCoefficient ?? ownDepth;
  if (checked.weights === "imagenet" && (width !== ownWidth || depth !== ownDepth)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "imagenet weights need Keras' own coefficients: drop widthCoefficient/depthCoefficient",
    );
  }
  // keras efficientnet round_filters (divisor 8) and round_repeats.
  const roundFilters = (f: number) => {
    const scaled = f * width;
    let next = Math.max(8, Math.trunc((scaled + 4) / 8) * 8);
    if (next < 0.9 * scaled) next += 8;
    return next;
  };
  const roundRepeats = (r: number) => Math.ceil(depth * r);

  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x = tfl.layers.rescaling({ scale: 1 / 255, name: "rescaling" }).apply(input) as T;
  x = new Normalization({ axis: 3, name: "normalization" }).apply(x) as T;
  if (checked.weights === "imagenet") {
    x = tfl.layers
      .rescaling({
        scale: IMAGENET_STDDEV_RGB.map((s) => 1 / Math.sqrt(s)) as unknown as number,
        name: "rescaling_1",
      })
      .apply(x) as T;
  }
  x = tfl.layers.zeroPadding2d({ padding: correctPad(x, 3), name: "stem_conv_pad" }).apply(x) as T;
  x = tfl.layers
    .conv2d({
      filters: roundFilters(32),
      kernelSize: 3,
      strides: 2,
      padding: "valid",
      useBias: false,
      kernelInitializer: effConvInit(),
      name: "stem_conv",
    })
    .apply(x) as T;
  x = bnSwish(x, "stem_bn", "stem_activation");
  const total = STAGES.reduce((n, s) => n + roundRepeats(s[1]), 0);
  let b = 0;
  STAGES.forEach(([kernel, repeats, fin, fout, expansion, stride], i) => {
    const filtersIn = roundFilters(fin);
    const filtersOut = roundFilters(fout);
    for (let j = 0; j < roundRepeats(repeats); j++) {
      x = block(
        x,
        {
          kernel,
          filtersIn: j === 0 ? filtersIn : filtersOut,
          filtersOut,
          expansion,
          stride: j === 0 ? stride : 1,
          dropRate: (dropConnect * b) / total,
        },
        `block${i + 1}${String.fromCharCode(97 + j)}_`,
      );
      b++;
    }
  });
  x = bnSwish(effConv(x, roundFilters(1280), "top_conv"), "top_bn", "top_activation");
  x = efficientNetTop(x, options, checked, dropoutRate);
  const model = tfl.model({ inputs: input, outputs: x, name: variant });
  // stem, expand, project and top convolutions are Conv → BN (→ swish, not folded): the
  // convolution and its BN run as one FusedConv2D in inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.EfficientNetB0 … B7: builds the network and loads its weights, by
 * position as Keras loads the official files. Inputs are 0–255 pixels (the model rescales and
 * normalises them itself; Keras' `preprocess_input` for EfficientNet is the identity).
 */
export async function EfficientNet(
  variant: EfficientNetVariant,
  options: EfficientNetOptions = {},
): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildEfficientNet(variant, options), variant, {
    ...options,
    byPosition: true,
  });
}
