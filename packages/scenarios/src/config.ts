/**
 * A training run's configuration: the same keys whether they come from CLI
 * flags (`--batch-size 16`) or a JSON file (`{"batch-size": 16}`). Every key is
 * checked here, before anything is read or written, and a bad one gives one
 * message naming the key, what was expected and what was given.
 */
import {
  APPLICATION_NAMES,
  type ApplicationName,
  application,
  PREPROCESS_MODES,
  type PreprocessMode,
} from "@graft/models";
import { configError } from "./errors.ts";
import { type HeadLayerSpec, parseHead } from "./head.ts";
import { scenarioNames } from "./scenario.ts";
import "./strategies/index.ts";

type Kind =
  | { type: "string" }
  | { type: "int"; min: number }
  | { type: "number"; min: number; max: number; maxExclusive?: boolean; minExclusive?: boolean }
  | { type: "enum"; values: readonly string[] }
  | { type: "bool" }
  | { type: "ints"; count: number }
  /** a registered scenario's name, or auto */
  | { type: "scenario" };

interface KeyDef {
  kind: Kind;
  help: string;
}

/** The keys, in the order `graft train --help` lists them. */
export const RUN_CONFIG_KEYS = {
  data: { kind: { type: "string" }, help: "class folders to train on (required)" },
  "val-data": { kind: { type: "string" }, help: "class folders to validate on" },
  "validation-split": {
    kind: { type: "number", min: 0, max: 1, maxExclusive: true },
    help: "fraction of each class of --data held out for validation when there is no --val-data (default 0.1)",
  },
  model: {
    kind: { type: "enum", values: APPLICATION_NAMES },
    help: "the base network: a keras.applications name (default vgg19)",
  },
  weights: {
    kind: { type: "string" },
    help: "imagenet (the official Keras file, cached or downloaded), a weights FILE, or none (default imagenet)",
  },
  "initial-weights": {
    kind: { type: "string" },
    help: "a weights FILE for the whole model, base and head, loaded by layer name once it is built (every layer with weights must be in it): to start from exactly the weights another run or Keras itself began with",
  },
  "block-filters": {
    kind: { type: "ints", count: 5 },
    help: "conv widths per block for a narrow VGG-shaped base, e.g. 8,16,32,64,64 (default: VGG's own)",
  },
  scenario: {
    kind: { type: "scenario" },
    help: "transfer-learning scenario, or auto to let recommend pick (default large-similar: the classic recipe)",
  },
  "input-size": { kind: { type: "int", min: 32 }, help: "images are resized to N×N (default 256)" },
  "batch-size": { kind: { type: "int", min: 1 }, help: "default 16" },
  epochs: { kind: { type: "int", min: 1 }, help: "default 50" },
  shuffle: {
    kind: { type: "bool" },
    help: "reshuffle the training images each epoch (default true; false keeps file order, as flow_from_directory(shuffle=False))",
  },
  optimizer: {
    kind: { type: "enum", values: ["sgd", "adam"] },
    help: "default sgd (with --momentum)",
  },
  lr: {
    kind: { type: "number", min: 0, max: 10, minExclusive: true },
    help: "learning rate (default 1e-4)",
  },
  momentum: {
    kind: { type: "number", min: 0, max: 1, maxExclusive: true },
    help: "SGD momentum (default 0.9)",
  },
  freeze: {
    kind: { type: "int", min: 0 },
    help: "freeze the base's layers[:N], Keras-style (default 5)",
  },
  "freeze-until": {
    kind: { type: "string" },
    help: "freeze the base up to and including a layer, or a block or stage by its prefix (block4, conv4); instead of freeze",
  },
  head: {
    kind: { type: "string" },
    help: 'head before the softmax (default "flatten,dense:1024,dropout:0.5,dense:1024")',
  },
  augment: {
    kind: { type: "string" },
    help: "ImageDataGenerator arguments: a JSON FILE (Keras names), recipe (default), or none",
  },
  preprocess: {
    kind: { type: "enum", values: PREPROCESS_MODES },
    help: "input preprocessing (default: the model's own, caffe for VGG and ResNet, tf for ResNetV2)",
  },
  patience: {
    kind: { type: "int", min: 0 },
    help: "EarlyStopping patience in epochs (default 10; 0 disables)",
  },
  monitor: {
    kind: { type: "enum", values: ["val_acc", "val_loss", "acc", "loss"] },
    help: "what checkpointing and early stopping watch (default val_acc, or acc without validation)",
  },
  "reduce-lr-patience": {
    kind: { type: "int", min: 0 },
    help: "ReduceLROnPlateau patience (default 0: off)",
  },
  "class-weight": {
    kind: { type: "enum", values: ["none", "balanced"] },
    help: "balanced weighs classes inversely to their size (default none)",
  },
  "cut-layer": {
    kind: { type: "string" },
    help: "small-different: where to cut the base (default the end of its second stage: block2_pool, conv2_block3_out)",
  },
  pooling: {
    kind: { type: "enum", values: ["avg", "max", "none"] },
    help: "small-different: global pooling of the cut features (default avg)",
  },
  classifier: {
    kind: { type: "enum", values: ["dense", "logistic"] },
    help: "small-different: a dense head or logistic regression (default dense)",
  },
  "cache-features": {
    kind: { type: "bool" },
    help: "train heads on features computed once where the scenario allows (default true)",
  },
  "augment-copies": {
    kind: { type: "int", min: 0 },
    help: "with augmentation and cached features: augmented passes to cache (default 0: no caching)",
  },
  init: {
    kind: { type: "enum", values: ["pretrained", "random"] },
    help: "large-different: start from the pretrained weights or random ones (default pretrained)",
  },
  out: { kind: { type: "string" }, help: "run folder (default runs/train-DATE-TIME)" },
  backend: {
    kind: { type: "enum", values: ["auto", "graft-cuda", "graft-cpu", "wasm", "cpu"] },
    help: "tfjs backend (default auto)",
  },
  seed: {
    kind: { type: "int", min: 0 },
    help: "seeds shuffling, augmentation, initialisation and dropout",
  },
  "cache-dir": {
    kind: { type: "string" },
    help: "Keras cache folder for --weights imagenet (default ~/.keras)",
  },
} as const satisfies Record<string, KeyDef>;

/** A key of a run's configuration as written in flags and JSON (`batch-size`). */
export type RunConfigKey = keyof typeof RUN_CONFIG_KEYS;

/**
 * A checked run configuration (`parseRunConfig`): each key in camelCase, defaults filled in.
 * Null means "the scenario's own default" (or, for out and seed, one chosen at run time).
 */
export interface RunConfig {
  /** Class folders to train on. */
  data: string;
  /** Class folders to validate on; null to split `data` instead. */
  valData: string | null;
  /** Fraction of each class of `data` held out for validation (0 with valData). Default 0.1. */
  validationSplit: number;
  /** The base network, a keras.applications name. Default vgg19. */
  model: ApplicationName;
  /** "imagenet" (the official Keras file), a weights file, or "none". Default imagenet. */
  weights: string;
  /** Weights for the whole built model (base and head), by layer name; null for none. */
  initialWeights: string | null;
  /** Conv widths per block for a narrow VGG-shaped base; null for VGG's own. */
  blockFilters: [number, number, number, number, number] | null;
  /** A registered scenario (the four built in: small-similar, large-similar, small-different, large-different) or "auto". */
  scenario: string;
  /** Images are resized to inputSize × inputSize pixels. Default 256. */
  inputSize: number;
  /** Images per batch. Default 16. */
  batchSize: number;
  /** Epochs to train at most. Default 50. */
  epochs: number;
  /** Reshuffle the training images each epoch. Default true. */
  shuffle: boolean;
  /** Default sgd (with momentum). */
  optimizer: "sgd" | "adam";
  /** Learning rate. Default 1e-4. */
  lr: number;
  /** SGD momentum, in [0, 1). Default 0.9. */
  momentum: number;
  /** Freeze the base's layers[:freeze], Keras-style; null for the scenario's default. */
  freeze: number | null;
  /** Freeze the base up to and including this layer, block or stage; null for none. */
  freezeUntil: string | null;
  /** The head before the softmax, parsed from headText; null for the scenario's default. */
  head: HeadLayerSpec[] | null;
  /** The head as written ("flatten,dense:1024,dropout:0.5"); null when not given. */
  headText: string | null;
  /**
   * ImageDataGenerator arguments: a JSON file (Keras names), "recipe" or "none". Default recipe.
   */
  augment: string;
  /** Input preprocessing. Default the model's own (caffe for VGG and ResNet, tf for ResNetV2). */
  preprocess: PreprocessMode;
  /** EarlyStopping patience in epochs; 0 disables it. Default 10. */
  patience: number;
  /** What checkpointing and early stopping watch; null for val_acc, or acc without validation. */
  monitor: "val_acc" | "val_loss" | "acc" | "loss" | null;
  /** ReduceLROnPlateau patience in epochs; 0 (the default) turns it off. */
  reduceLrPatience: number;
  /** "balanced" weighs classes inversely to their size. Default none. */
  classWeight: "none" | "balanced";
  /** small-different: where to cut the base; null for the model's early layer (block2_pool). */
  cutLayer: string | null;
  /** small-different: global pooling of the cut features; null for avg. */
  pooling: "avg" | "max" | "none" | null;
  /** small-different: a dense head or logistic regression; null for dense. */
  classifier: "dense" | "logistic" | null;
  /** Train heads on features computed once, where the scenario allows; null for yes. */
  cacheFeatures: boolean | null;
  /** With augmentation and cached features: augmented passes to cache; null for 0 (no caching). */
  augmentCopies: number | null;
  /** large-different: start from the pretrained weights or random ones; null for pretrained. */
  init: "pretrained" | "random" | null;
  /** The run folder; null for runs/train-DATE-TIME. */
  out: string | null;
  /** The tfjs backend the CLI picks; "auto" (the default) is graft-cpu where it loads, else cpu. */
  backend: "auto" | "graft-cuda" | "graft-cpu" | "wasm" | "cpu";
  /** Seeds shuffling, augmentation, initialisation and dropout; null for a random seed. */
  seed: number | null;
  /** Keras cache folder for weights "imagenet"; null for $KERAS_HOME or ~/.keras. */
  cacheDir: string | null;
}

/** The augmentation of the classic recipe, without its rescale (preprocessing is separate). */
export const RECIPE_AUGMENT = {
  rotation_range: 30,
  width_shift_range: 0.3,
  height_shift_range: 0.3,
  zoom_range: 0.3,
  horizontal_flip: true,
  fill_mode: "nearest",
} as const;

const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function describe(kind: Kind): string {
  switch (kind.type) {
    case "string":
      return "a string";
    case "int":
      return `an integer ≥ ${kind.min}`;
    case "number":
      return `a number in ${kind.minExclusive ? "(" : "["}${kind.min}, ${kind.max}${kind.maxExclusive ? ")" : "]"}`;
    case "enum":
      return `one of ${kind.values.join(", ")}`;
    case "bool":
      return "true or false";
    case "ints":
      return `${kind.count} positive integers (comma-separated)`;
    case "scenario":
      return `one of ${[...scenarioNames(), "auto"].join(", ")}`;
  }
}

/**
 * Checks and converts one value. `fromText` is true for CLI flags (strings to be
 * read as numbers or booleans), false for JSON (which must have the right type).
 */
function convert(
  key: string,
  kind: Kind,
  value: unknown,
  fromText: boolean,
  where: string,
): unknown {
  const fail = (): never => {
    throw configError(
      `${where}${key}: expected ${describe(kind)} but received ${JSON.stringify(value)}`,
    );
  };
  switch (kind.type) {
    case "string":
      if (typeof value !== "string" || value === "") fail();
      return value;
    case "enum":
      if (typeof value !== "string" || !kind.values.includes(value)) fail();
      return value;
    case "scenario":
      if (typeof value !== "string" || (value !== "auto" && !scenarioNames().includes(value)))
        fail();
      return value;
    case "bool":
      if (typeof value === "boolean") return value;
      if (fromText && (value === "true" || value === "false")) return value === "true";
      return fail();
    case "int":
    case "number": {
      const n =
        typeof value === "number"
          ? value
          : fromText && typeof value === "string" && value.trim() !== ""
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n)) fail();
      if (kind.type === "int") {
        if (!Number.isInteger(n) || n < kind.min) fail();
        return n;
      }
      const lowOk = kind.minExclusive ? n > kind.min : n >= kind.min;
      const highOk = kind.maxExclusive ? n < kind.max : n <= kind.max;
      if (!lowOk || !highOk) fail();
      return n;
    }
    case "ints": {
      const list = Array.isArray(value)
        ? value
        : fromText && typeof value === "string"
          ? value.split(",").map((s) => (s.trim() === "" ? Number.NaN : Number(s)))
          : fail();
      if (list.length !== kind.count || !list.every((n) => Number.isInteger(n) && n >= 1)) fail();
      return list;
    }
  }
}

/**
 * Builds a RunConfig from raw key/values (flags as text, or parsed JSON), filling
 * defaults. `where` prefixes messages (e.g. "train.json: ").
 */
export function parseRunConfig(
  raw: Record<string, unknown>,
  options: { fromText?: boolean; where?: string } = {},
): RunConfig {
  const where = options.where ?? "";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw configError(`${where}expected a JSON object of training options`);
  }
  const known = Object.keys(RUN_CONFIG_KEYS);
  const v: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const def = (RUN_CONFIG_KEYS as Record<string, KeyDef>)[key];
    if (!def) {
      const near = known.find(
        (k) => k.replace(/-/g, "") === key.replace(/[-_]/g, "").toLowerCase(),
      );
      throw configError(
        `${where}unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ""}. Known keys: ${known.join(", ")}`,
      );
    }
    if (value === null) continue;
    v[camel(key)] = convert(key, def.kind, value, options.fromText ?? false, where);
  }
  if (typeof v.data !== "string")
    throw configError(`${where}data: the class folders to train on are required`);
  if (
    v.valData !== undefined &&
    raw["validation-split"] !== undefined &&
    raw["validation-split"] !== null
  ) {
    throw configError(
      `${where}validation-split: give either val-data or validation-split, not both`,
    );
  }
  const head = typeof v.head === "string" ? parseHead(v.head, `${where}head`) : null;
  if (v.freeze !== undefined && v.freezeUntil !== undefined) {
    throw configError(`${where}freeze-until: give either freeze or freeze-until, not both`);
  }
  const model = (v.model as RunConfig["model"] | undefined) ?? "vgg19";
  return {
    data: v.data as string,
    valData: (v.valData as string | undefined) ?? null,
    validationSplit: v.valData ? 0 : ((v.validationSplit as number | undefined) ?? 0.1),
    model,
    weights: (v.weights as string | undefined) ?? "imagenet",
    initialWeights: (v.initialWeights as string | undefined) ?? null,
    blockFilters: (v.blockFilters as RunConfig["blockFilters"] | undefined) ?? null,
    scenario: (v.scenario as RunConfig["scenario"] | undefined) ?? "large-similar",
    inputSize: (v.inputSize as number | undefined) ?? 256,
    batchSize: (v.batchSize as number | undefined) ?? 16,
    epochs: (v.epochs as number | undefined) ?? 50,
    shuffle: (v.shuffle as boolean | undefined) ?? true,
    optimizer: (v.optimizer as RunConfig["optimizer"] | undefined) ?? "sgd",
    lr: (v.lr as number | undefined) ?? 1e-4,
    momentum: (v.momentum as number | undefined) ?? 0.9,
    freeze: (v.freeze as number | undefined) ?? null,
    freezeUntil: (v.freezeUntil as string | undefined) ?? null,
    head,
    headText: (v.head as string | undefined) ?? null,
    augment: (v.augment as string | undefined) ?? "recipe",
    preprocess:
      (v.preprocess as RunConfig["preprocess"] | undefined) ?? application(model).preprocess,
    patience: (v.patience as number | undefined) ?? 10,
    monitor: (v.monitor as RunConfig["monitor"] | undefined) ?? null,
    reduceLrPatience: (v.reduceLrPatience as number | undefined) ?? 0,
    classWeight: (v.classWeight as RunConfig["classWeight"] | undefined) ?? "none",
    cutLayer: (v.cutLayer as string | undefined) ?? null,
    pooling: (v.pooling as RunConfig["pooling"] | undefined) ?? null,
    classifier: (v.classifier as RunConfig["classifier"] | undefined) ?? null,
    cacheFeatures: (v.cacheFeatures as boolean | undefined) ?? null,
    augmentCopies: (v.augmentCopies as number | undefined) ?? null,
    init: (v.init as RunConfig["init"] | undefined) ?? null,
    out: (v.out as string | undefined) ?? null,
    backend: (v.backend as RunConfig["backend"] | undefined) ?? "auto",
    seed: (v.seed as number | undefined) ?? null,
    cacheDir: (v.cacheDir as string | undefined) ?? null,
  };
}

/** The config as the JSON keys (what config.json holds and --config reads back). */
export function runConfigToJson(c: RunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(RUN_CONFIG_KEYS)) {
    const prop = key === "head" ? "headText" : camel(key);
    const value = (c as unknown as Record<string, unknown>)[prop];
    if (value !== null && value !== undefined) out[key] = value;
  }
  if (out["val-data"] !== undefined) delete out["validation-split"];
  return out;
}
