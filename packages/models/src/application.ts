/**
 * What every keras.applications builder shares: the options Keras gives them all, Keras'
 * checks of those options, and loading the weights (the official ImageNet file from the Keras
 * cache, or a file of the user's).
 */
import {
  type FetchOfficialWeightsOptions,
  fetchOfficialWeights,
  loadWeights,
  type OfficialModel,
  openWeights,
} from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import { ModelsError } from "./errors.ts";

/**
 * Keras' default kernel initializer for Conv2D and Dense (glorot_uniform: U(±sqrt(6 /
 * (fan_in + fan_out)))), which every builder uses; tfjs-layers defaults to glorotNormal instead.
 */
export const KERAS_KERNEL_INIT = "glorotUniform" as const;

/** The options of every keras.applications builder, with Keras' names and defaults. */
export interface ApplicationOptions {
  /** Keep the classifier on top (Keras' default: true). */
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
  /** Where the official files are cached (default $KERAS_HOME or ~/.keras) and fetched from. */
  cacheDir?: string;
  /**
   * Mirror that replaces Keras' storage prefix for "imagenet"; default `$GRAFT_WEIGHTS_BASE_URL`.
   */
  baseUrl?: string;
  /** Download progress for "imagenet": true for a bar on stderr, or the bar's options. */
  progress?: FetchOfficialWeightsOptions["progress"];
}

/** The checked options every builder works from. */
export interface CheckedApplicationOptions {
  /** Whether the classifier head is built (Keras' default: true). */
  includeTop: boolean;
  /** How many classes the head predicts (1000 unless given). */
  classes: number;
  /** `"imagenet"`, a path to a Keras weights file, or null for random initialisation. */
  weights: "imagenet" | string | null;
  /** Height, width and channels; the sides are null when the base takes any size. */
  inputShape: [number | null, number | null, number];
}

/** How a family departs from keras.applications' usual input rules. */
export interface InputRules {
  /**
   * The family takes any size of at least `minSize` even with its top and the official weights
   * (MobileNetV3: its top pools globally before the classifier), and defaults to
   * [null, null, 3] either way.
   */
  anySize?: boolean;
}

/**
 * Keras' checks of the common options (keras.applications' `obtain_input_shape` and the
 * `classes` rule), with its defaults filled in. `minSize` is the family's smallest input side.
 */
export function checkApplicationOptions(
  o: ApplicationOptions,
  minSize = 32,
  defaultSize = 224,
  rules: InputRules = {},
): CheckedApplicationOptions {
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
      if (v !== null && (!Number.isInteger(v) || v < minSize)) {
        throw new ModelsError(
          "ERR_GRAFT_ARG",
          `Input ${name} should be an integer of at least ${minSize} but received ${v}`,
        );
      }
    }
    const fixed = includeTop && weights === "imagenet" && !rules.anySize;
    if (fixed && (h !== defaultSize || w !== defaultSize)) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `With includeTop and imagenet weights the input must be [${defaultSize}, ${defaultSize}, 3]; received [${o.inputShape.join(", ")}]`,
      );
    }
  }
  const inputShape =
    o.inputShape ??
    (includeTop && !rules.anySize
      ? [defaultSize, defaultSize, 3]
      : ([null, null, 3] as [null, null, number]));
  return { includeTop, classes, weights, inputShape };
}

/**
 * A scale option (the MobileNets' `alpha`, EfficientNet's width and depth coefficients) must
 * be a finite number above 0, or left out.
 */
export function checkPositive(v: number | undefined, what: string): void {
  if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
    throw new ModelsError("ERR_GRAFT_ARG", `Expected a positive ${what} but received ${String(v)}`);
  }
}

/** The options of `loadApplicationWeights`. */
export interface ApplicationWeightsOptions extends ApplicationOptions {
  /**
   * Match the file's layers to the model's by position (Keras' own load for these files) rather
   * than by name. VGG and MobileNetV3 (whose official files Keras loads by position) do; the
   * other families load by name, so that a file of another family fails on the first layer it
   * lacks.
   */
  byPosition?: boolean;
}

/**
 * Loads `options.weights` into a freshly built application model: the official file of
 * `official` for "imagenet" (from the Keras cache, downloaded and md5-checked when missing),
 * a path, or nothing for null. On failure the model is disposed and the error names the first
 * layer that disagrees with the file.
 */
export async function loadApplicationWeights(
  model: tfl.LayersModel,
  official: OfficialModel | null,
  options: ApplicationWeightsOptions,
): Promise<tfl.LayersModel> {
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights === null) return model;
  try {
    if (weights === "imagenet" && official === null) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `graft does not fetch the official ImageNet weights of ${model.name} yet: download the file from Keras' storage and pass its path as weights`,
      );
    }
    const path =
      weights === "imagenet"
        ? await fetchOfficialWeights(official as OfficialModel, {
            includeTop: options.includeTop ?? true,
            ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
            ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
            ...(options.progress !== undefined && { progress: options.progress }),
          })
        : weights;
    if (options.byPosition) {
      await loadWeights(model, path);
      return model;
    }
    const file = await openWeights(path);
    try {
      const named = file.layout !== "keras3" && file.layout !== "keras3-archive";
      if (named || file.hasLayerNames) {
        const stored = new Set(file.layers.filter((l) => l.weights.length > 0).map((l) => l.name));
        const missing = model.layers.find((l) => l.weights.length > 0 && !stored.has(l.name));
        if (missing) {
          throw new ModelsError(
            "ERR_GRAFT_WEIGHTS_MISMATCH",
            `${path} does not fit ${model.name}: it has no weights for layer "${missing.name}" (${missing.getClassName()}, ${missing.weights.map((w) => `(${w.shape.join(", ")})`).join(" ")}); is it a file of another model?`,
          );
        }
        await loadWeights(model, file, { byName: true });
      } else {
        await loadWeights(model, file);
      }
    } finally {
      file.close();
    }
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The small state one build threads through: Keras' automatic names for unnamed layers. */
export class KerasNames {
  private readonly counts = new Map<string, number>();
  /** Keras' name for the next unnamed layer of this base in a fresh session: base, base_1, … */
  auto(base: string): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

/** The names of the global pooling layers a family gives its end. */
export interface PoolingNames {
  /** The GlobalAveragePooling2D (Keras: `avg_pool` for most families). */
  avg: string;
  /** The GlobalMaxPooling2D (Keras: `max_pool`). */
  max: string;
}

/** Keras' names for the global pooling of ResNet, DenseNet, Xception and most families. */
export const POOL_NAMES: PoolingNames = { avg: "avg_pool", max: "max_pool" };

/** The `pooling` option's end of a base without its top: nothing, or global avg/max pooling. */
export function applicationPooling(
  x: tfl.SymbolicTensor,
  pooling: ApplicationOptions["pooling"],
  names: PoolingNames = POOL_NAMES,
): tfl.SymbolicTensor {
  if (pooling === "avg") {
    return tfl.layers.globalAveragePooling2d({ name: names.avg }).apply(x) as tfl.SymbolicTensor;
  }
  if (pooling === "max") {
    return tfl.layers.globalMaxPooling2d({ name: names.max }).apply(x) as tfl.SymbolicTensor;
  }
  return x;
}

/**
 * The end most families share: with the top, global average pooling and the `predictions`
 * Dense layer; without it, `pooling`'s end.
 */
export function applicationTop(
  x: tfl.SymbolicTensor,
  options: ApplicationOptions,
  checked: CheckedApplicationOptions,
  names: PoolingNames = POOL_NAMES,
): tfl.SymbolicTensor {
  if (!checked.includeTop) return applicationPooling(x, options.pooling, names);
  const pooled = tfl.layers.globalAveragePooling2d({ name: names.avg }).apply(x);
  return tfl.layers
    .dense({
      units: checked.classes,
      activation: options.classifierActivation ?? "softmax",
      kernelInitializer: KERAS_KERNEL_INIT,
      name: "predictions",
    })
    .apply(pooled) as tfl.SymbolicTensor;
}

/**
 * keras imagenet_utils.correct_pad: the ((top, bottom), (left, right)) zero padding before a
 * strided `kernel`×`kernel` convolution with valid padding, one less before than after on an
 * even side, as TF's "same" pads.
 */
export function correctPad(
  x: tfl.SymbolicTensor,
  kernel: number,
): [[number, number], [number, number]] {
  const [, h, w] = x.shape;
  const adjust = h == null || w == null ? [1, 1] : [1 - (h % 2), 1 - (w % 2)];
  const c = Math.floor(kernel / 2);
  return [
    [c - (adjust[0] as number), c],
    [c - (adjust[1] as number), c],
  ];
}

/**
 * Loads the official file `fetch` downloads for the model's input side (rows, cols) when
 * `options.weights` is "imagenet" (`fetch` checks the md5 where Keras declares one; where it
 * does not, the by-name load is the check), else the path or nothing, as
 * `loadApplicationWeights`. On a failed download the model is disposed.
 */
export async function loadFetchedWeights(
  model: tfl.LayersModel,
  options: ApplicationWeightsOptions,
  fetch: (
    rows: number | null,
    cols: number | null,
    o: FetchOfficialWeightsOptions,
  ) => Promise<string>,
): Promise<tfl.LayersModel> {
  const weights = options.weights === undefined ? "imagenet" : options.weights;
  if (weights !== "imagenet") return loadApplicationWeights(model, null, options);
  let path: string;
  try {
    const [rows, cols] = (model.inputs[0] as tfl.SymbolicTensor).shape.slice(1, 3) as [
      number | null,
      number | null,
    ];
    path = await fetch(rows, cols, {
      includeTop: options.includeTop ?? true,
      ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      ...(options.progress !== undefined && { progress: options.progress }),
    });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return loadApplicationWeights(model, null, { ...options, weights: path });
}
