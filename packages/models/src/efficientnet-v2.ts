/**
 * EfficientNetV2B0 … B3, S, M and L as keras.applications builds them (keras/src/applications/
 * efficientnet_v2.py), with Keras' layer names, order and parameter counts. The input is raw
 * 0–255 pixels: the B members rescale them to [0, 1] (`rescaling`) and normalise them by the
 * ImageNet mean and variance fixed in the layer (`normalization`, no weights); S, M and L
 * rescale them to [-1, 1] (`rescaling`). Then a 3×3/2 stem (`stem_conv`, `stem_bn`,
 * `stem_activation`), the stages of Fused-MBConv blocks (a k×k expansion convolution, or with
 * no expansion a k×k projection and its swish) and then of MBConv blocks (1×1 expansion,
 * depthwise k×k `dwconv2`, squeeze-and-excitation, 1×1 projection), each `block{stage}{a,b,…}_`
 * with a drop-connect `Dropout` and `add` where it keeps its shape; `top_conv`/`top_bn`/
 * `top_activation`, and with the top `avg_pool`, `top_dropout` and `predictions`. Every
 * BatchNormalization has Keras' momentum 0.9 here.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import {
  type ApplicationOptions,
  checkApplicationOptions,
  checkPositive,
  loadApplicationWeights,
} from "./application.ts";
import "./batchnorm.ts";
import {
  bnSwish,
  checkRate,
  type BlockArgs as EfficientNetBlockArgs,
  effConv,
  effDepthwise,
  efficientNetTop,
  residual,
  squeezeExcite,
} from "./efficientnet.ts";
import { ModelsError } from "./errors.ts";
import { foldBatchNorm } from "./fold-bn.ts";
import { Normalization } from "./normalization.ts";

/** The seven EfficientNetV2s of keras.applications. */
export type EfficientNetV2Variant =
  | "efficientnetv2b0"
  | "efficientnetv2b1"
  | "efficientnetv2b2"
  | "efficientnetv2b3"
  | "efficientnetv2s"
  | "efficientnetv2m"
  | "efficientnetv2l";

/** Options of `EfficientNetV2` and `buildEfficientNetV2`: keras.applications' plus graft extensions. */
export interface EfficientNetV2Options extends ApplicationOptions {
  /**
   * Keras' `include_preprocessing` (default true): the rescaling (and for the B members the
   * normalization) at the bottom of the network. Without it the model takes inputs prepared as
   * that layer would prepare them.
   */
  includePreprocessing?: boolean;
  /**
   * graft extension: Keras' `EfficientNetV2(width_coefficient, depth_coefficient, …)` arguments
   * in place of the member's own, for small test bases. `weights: "imagenet"` needs the
   * member's own.
   */
  widthCoefficient?: number;
  /** graft extension: see `widthCoefficient`. */
  depthCoefficient?: number;
  /** graft extension: Keras' `dropout_rate` (default 0.2), the top's; 0 leaves `top_dropout` out. */
  dropoutRate?: number;
  /**
   * graft extension: Keras' `drop_connect_rate` (default 0.2), which grows linearly along the
   * blocks; 0 leaves the `drop` layers out.
   */
  dropConnectRate?: number;
}

// [kernel, repeats, filters in, filters out, expansion, se ratio, stride, fused] of one stage of
// Keras' DEFAULT_BLOCKS_ARGS (fused: conv_type 1, Fused-MBConv).
type Stage = [number, number, number, number, number, number, number, boolean];

const B_STAGES: Stage[] = [
  [3, 1, 32, 16, 1, 0, 1, true],
  [3, 2, 16, 32, 4, 0, 2, true],
  [3, 2, 32, 48, 4, 0, 2, true],
  [3, 3, 48, 96, 4, 0.25, 2, false],
  [3, 5, 96, 112, 6, 0.25, 1, false],
  [3, 8, 112, 192, 6, 0.25, 2, false],
];

interface Member {
  /** Keras' model name (`efficientnetv2-b0`), which also names the official files. */
  kerasName: string;
  width: number;
  depth: number;
  size: number;
  stages: Stage[];
}

const MEMBERS: Record<EfficientNetV2Variant, Member> = {
  efficientnetv2b0: {
    kerasName: "efficientnetv2-b0",
    width: 1.0,
    depth: 1.0,
    size: 224,
    stages: B_STAGES,
  },
  efficientnetv2b1: {
    kerasName: "efficientnetv2-b1",
    width: 1.0,
    depth: 1.1,
    size: 240,
    stages: B_STAGES,
  },
  efficientnetv2b2: {
    kerasName: "efficientnetv2-b2",
    width: 1.1,
    depth: 1.2,
    size: 260,
    stages: B_STAGES,
  },
  efficientnetv2b3: {
    kerasName: "efficientnetv2-b3",
    width: 1.2,
    depth: 1.4,
    size: 300,
    stages: B_STAGES,
  },
  efficientnetv2s: {
    kerasName: "efficientnetv2-s",
    width: 1.0,
    depth: 1.0,
    size: 384,
    stages: [
      [3, 2, 24, 24, 1, 0, 1, true],
      [3, 4, 24, 48, 4, 0, 2, true],
      [3, 4, 48, 64, 4, 0, 2, true],
      [3, 6, 64, 128, 4, 0.25, 2, false],
      [3, 9, 128, 160, 6, 0.25, 1, false],
      [3, 15, 160, 256, 6, 0.25, 2, false],
    ],
  },
  efficientnetv2m: {
    kerasName: "efficientnetv2-m",
    width: 1.0,
    depth: 1.0,
    size: 480,
    stages: [
      [3, 3, 24, 24, 1, 0, 1, true],
      [3, 5, 24, 48, 4, 0, 2, true],
      [3, 5, 48, 80, 4, 0, 2, true],
      [3, 7, 80, 160, 4, 0.25, 2, false],
      [3, 14, 160, 176, 6, 0.25, 1, false],
      [3, 18, 176, 304, 6, 0.25, 2, false],
      [3, 5, 304, 512, 6, 0.25, 1, false],
    ],
  },
  efficientnetv2l: {
    kerasName: "efficientnetv2-l",
    width: 1.0,
    depth: 1.0,
    size: 480,
    stages: [
      [3, 4, 32, 32, 1, 0, 1, true],
      [3, 7, 32, 64, 4, 0, 2, true],
      [3, 7, 64, 96, 4, 0, 2, true],
      [3, 10, 96, 192, 4, 0.25, 2, false],
      [3, 19, 192, 224, 6, 0.25, 1, false],
      [3, 25, 224, 384, 6, 0.25, 2, false],
      [3, 7, 384, 640, 6, 0.25, 1, false],
    ],
  },
};

/** Every EfficientNetV2 variant, in Keras' order. */
export const EFFICIENTNET_V2_VARIANTS = Object.keys(MEMBERS) as EfficientNetV2Variant[];

/** The default input side of `variant` (224 for B0 … 480 for M and L). */
export function efficientNetV2Size(variant: EfficientNetV2Variant): number {
  return (MEMBERS[variant] ?? MEMBERS.efficientnetv2b0).size;
}

/**
 * How many blocks the second stage of `variant` has (Keras' round_repeats): its last block,
 * `block2{letter}_add`, ends the stage.
 */
export function efficientNetV2SecondStageBlocks(variant: EfficientNetV2Variant): number {
  const m = MEMBERS[variant] ?? MEMBERS.efficientnetv2b0;
  return Math.ceil(m.depth * (m.stages[1] as Stage)[1]);
}

type T = tfl.SymbolicTensor;
/** Keras' bn_momentum of EfficientNetV2. */
const MOMENTUM = 0.9;
/** The ImageNet statistics of the B members' normalization, as Keras fixes them. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_VARIANCE = [0.229 ** 2, 0.224 ** 2, 0.225 ** 2];

interface BlockArgs extends EfficientNetBlockArgs {
  /** The squeeze-and-excitation's ratio; 0 for none. */
  seRatio: number;
}

const bn = (x: T, name: string, act: string | null) => bnSwish(x, name, act, MOMENTUM);

/** The squeeze-and-excitation where the stage has one (se ratio in (0, 1]). */
function maybeSqueezeExcite(x: T, a: BlockArgs, filters: number, name: string): T {
  if (!(a.seRatio > 0 && a.seRatio <= 1)) return x;
  return squeezeExcite(x, filters, Math.max(1, Math.trunc(a.filtersIn * a.seRatio)), name);
}

/** keras efficientnet_v2.MBConvBlock. */
function mbConv(inputs: T, a: BlockArgs, name: string): T {
  const filters = a.filtersIn * a.expansion;
  let x = inputs;
  if (a.expansion !== 1) {
    x = bn(
      effConv(x, filters, `${name}expand_conv`),
      `${name}expand_bn`,
      `${name}expand_activation`,
    );
  }
  x = effDepthwise(x, a.kernel, a.stride, "same", `${name}dwconv2`);
  x = bn(x, `${name}bn`, `${name}activation`);
  x = maybeSqueezeExcite(x, a, filters, name);
  x = bn(effConv(x, a.filtersOut, `${name}project_conv`), `${name}project_bn`, null);
  return residual(x, inputs, a, name);
}

/** keras efficientnet_v2.FusedMBConvBlock: the expansion and depthwise convolutions as one. */
function fusedMbConv(inputs: T, a: BlockArgs, name: string): T {
  const filters = a.filtersIn * a.expansion;
  let x = inputs;
  const expands = a.expansion !== 1;
  if (expands) {
    x = effConv(x, filters, `${name}expand_conv`, { kernel: a.kernel, strides: a.stride });
    x = bn(x, `${name}expand_bn`, `${name}expand_activation`);
  }
  x = maybeSqueezeExcite(x, a, filters, name);
  x = effConv(x, a.filtersOut, `${name}project_conv`, {
    kernel: expands ? 1 : a.kernel,
    strides: expands ? 1 : a.stride,
  });
  x = bn(x, `${name}project_bn`, expands ? null : `${name}project_activation`);
  return residual(x, inputs, a, name);
}

/** Builds an EfficientNetV2 with random weights (no file access), initialised as Keras does. */
export function buildEfficientNetV2(
  variant: EfficientNetV2Variant,
  options: EfficientNetV2Options = {},
): tfl.LayersModel {
  if (!Object.hasOwn(MEMBERS, variant)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Unknown EfficientNetV2 ${JSON.stringify(variant)}; expected one of ${EFFICIENTNET_V2_VARIANTS.join(", ")}`,
    );
  }
  const member = MEMBERS[variant];
  checkPositive(options.widthCoefficient, "widthCoefficient");
  checkPositive(options.depthCoefficient, "depthCoefficient");
  const dropoutRate = checkRate(options.dropoutRate, 0.2, "dropoutRate");
  const dropConnect = checkRate(options.dropConnectRate, 0.2, "dropConnectRate");
  const checked = checkApplicationOptions(options, 32, member.size);
  const width = options.widthCoefficient ?? member.width;
  const depth = options.depthCoefficient ?? member.depth;
  if (checked.weights === "imagenet" && (width !== member.width || depth !== member.depth)) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      "imagenet weights need Keras' own coefficients: drop widthCoefficient/depthCoefficient",
    );
  }
  // keras efficientnet_v2.round_filters (divisor and minimum 8; unlike EfficientNet's, never
  // rounded up past 90 %) and round_repeats.
  const roundFilters = (f: number) => Math.max(8, Math.floor(Math.trunc(f * width + 4) / 8) * 8);
  const roundRepeats = (r: number) => Math.ceil(depth * r);

  const input = tfl.input({ shape: checked.inputShape, name: "input_layer" });
  let x: T = input;
  if (options.includePreprocessing ?? true) {
    if (variant.startsWith("efficientnetv2b")) {
      x = tfl.layers.rescaling({ scale: 1 / 255, name: "rescaling" }).apply(x) as T;
      x = new Normalization({
        axis: 3,
        mean: IMAGENET_MEAN,
        variance: IMAGENET_VARIANCE,
        name: "normalization",
      }).apply(x) as T;
    } else {
      x = tfl.layers.rescaling({ scale: 1 / 128, offset: -1, name: "rescaling" }).apply(x) as T;
    }
  }
  x = effConv(x, roundFilters((member.stages[0] as Stage)[2]), "stem_conv", {
    kernel: 3,
    strides: 2,
  });
  x = bn(x, "stem_bn", "stem_activation");
  // Keras spreads the drop-connect rate over the stages' unscaled repeats.
  const total = member.stages.reduce((n, s) => n + s[1], 0);
  let b = 0;
  member.stages.forEach(([kernel, repeats, fin, fout, expansion, seRatio, stride, fused], i) => {
    const filtersIn = roundFilters(fin);
    const filtersOut = roundFilters(fout);
    for (let j = 0; j < roundRepeats(repeats); j++) {
      const args: BlockArgs = {
        kernel,
        filtersIn: j === 0 ? filtersIn : filtersOut,
        filtersOut,
        expansion,
        seRatio,
        stride: j === 0 ? stride : 1,
        dropRate: (dropConnect * b) / total,
      };
      const name = `block${i + 1}${String.fromCharCode(97 + j)}_`;
      x = fused ? fusedMbConv(x, args, name) : mbConv(x, args, name);
      b++;
    }
  });
  x = bn(effConv(x, roundFilters(1280), "top_conv"), "top_bn", "top_activation");
  x = efficientNetTop(x, options, checked, dropoutRate);
  const model = tfl.model({ inputs: input, outputs: x, name: member.kerasName });
  // stem, expand, project and top convolutions are Conv → BN: each pair runs as one FusedConv2D
  // in inference mode (fold-bn.ts).
  foldBatchNorm(model);
  return model;
}

/**
 * keras.applications.EfficientNetV2B0 … L: builds the network and loads its weights, by
 * position as Keras loads the official files. Inputs are 0–255 pixels (the model rescales them
 * itself; Keras' `preprocess_input` for EfficientNetV2 is the identity).
 */
export async function EfficientNetV2(
  variant: EfficientNetV2Variant,
  options: EfficientNetV2Options = {},
): Promise<tfl.LayersModel> {
  return loadApplicationWeights(buildEfficientNetV2(variant, options), variant, {
    ...options,
    byPosition: true,
  });
}
