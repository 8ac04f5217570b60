/**
 * One interface for every transfer-learning scenario: build the model from a
 * base, choose what trains, train, evaluate. The four scenarios are small
 * strategies over it (strategies/), kept in a registry so a fifth is one more
 * file and one `registerScenario` call.
 */

import type { PreprocessMode } from "@graft/models";
import type { ClassWeight } from "@graft/training";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { type OpenedData, preprocessedDataset } from "./data.ts";
import { configError } from "./errors.ts";
import { type Evaluation, evaluateModel } from "./evaluate.ts";
import { extractFeatures, featureDataset } from "./features.ts";
import type { HeadLayerSpec } from "./head.ts";

/** Every setting a scenario reads, after `resolveSettings` has filled in the defaults. */
export interface ScenarioSettings {
  /** Head layers before the final softmax Dense (see parseHead). */
  head: HeadLayerSpec[];
  /** Keras' `base.layers[:freeze]` are frozen (the input layer counts). */
  freeze: number;
  /** Where small-different cuts the base. */
  cutLayer: string;
  /** How small-different turns the cut feature map into a vector. */
  pooling: "avg" | "max" | "none";
  /** small-different: the dense head, or a linear softmax (multinomial logistic regression). */
  classifier: "dense" | "logistic";
  /** Train heads on features computed once, where the scenario allows. */
  cacheFeatures: boolean;
  /** With augmentation and cached features: how many augmented passes to cache (0: do not cache). */
  augmentCopies: number;
  /** Start the base from its pretrained weights or from random initialisation. */
  initialization: "pretrained" | "random";
}

/** What a scenario's `build` returns: the model, and its split for feature caching. */
export interface BuiltModel {
  /** image → class probabilities: what is trained (or shares the trained weights), saved and evaluated. */
  model: tfl.LayersModel;
  /**
   * For training on cached features: image → features, and features → probabilities
   * (the same head layer objects as `model`'s, so they share weights). Null when the
   * scenario trains on images only.
   */
  cached: {
    /** image → features: the frozen part, run once per image. */
    extractor: tfl.LayersModel;
    /** features → class probabilities: the part that trains. */
    head: tfl.LayersModel;
  } | null;
}

/** What `Scenario.train` gets from the run: data, settings, optimizer and callbacks. */
export interface TrainContext {
  /** The run's training (and validation) images. */
  data: OpenedData;
  /** The base's preprocessing, applied to every batch. */
  preprocess: PreprocessMode;
  /** The resolved settings. */
  settings: ScenarioSettings;
  /** Whether `data.train` augments. */
  augmented: boolean;
  /** Makes the optimizer the run configured (a fresh one per call). */
  makeOptimizer: () => tf.Optimizer;
  /** The epoch to stop at (tfjs' `epochs`: a total, not a count from initialEpoch). */
  epochs: number;
  /** Epochs already done (a resumed run). */
  initialEpoch: number;
  /** Images (or feature rows) per batch. */
  batchSize: number;
  /** Reshuffle the training rows each epoch (default true); false keeps file order. */
  shuffle?: boolean;
  /** Callbacks for `fit` (checkpoints, early stopping, CSV log, progress). */
  callbacks: tfl.Callback[];
  /** Per-class loss weights; null or absent for none. */
  classWeight?: ClassWeight | null;
  /** Progress lines. */
  log: (message: string) => void;
  /** Runs after compile, before fit: a resumed run loads its state into the model being fit here. */
  beforeFit?: (fitModel: tfl.LayersModel, optimizer: tf.Optimizer) => Promise<void>;
}

/** What `Scenario.train` returns. */
export interface TrainOutcome {
  /** tfjs' training history. */
  history: tfl.History;
  /** The model `fit` ran on: `built.model`, or the head when it trained on cached features. */
  fitModel: tfl.LayersModel;
  /** Whether the head trained on cached features rather than images. */
  usedCachedFeatures: boolean;
}

/**
 * A transfer-learning scenario: how it builds the model from a base, what it trains and how.
 * Register one with `registerScenario`.
 */
export interface Scenario {
  /** The name `getScenario` and --scenario know it by ("small-similar"). */
  readonly name: string;
  /** One line for help texts and reports. */
  readonly summary: string;
  /** What the scenario changes in the general defaults. */
  readonly defaults: Partial<ScenarioSettings>;
  /** Whether the base should be loaded with its pretrained weights. */
  pretrained(settings: ScenarioSettings): boolean;
  /** The model from the base (whose layers it reuses) and the class count. */
  build(base: tfl.LayersModel, numClasses: number, settings: ScenarioSettings): BuiltModel;
  /** Sets `trainable` on the built model's layers; returns the names frozen. */
  chooseTrainable(built: BuiltModel, base: tfl.LayersModel, settings: ScenarioSettings): string[];
  /** Whether training runs on cached features for these settings. */
  usesCachedFeatures(built: BuiltModel, settings: ScenarioSettings, augmented: boolean): boolean;
  /** Trains the built model (or its head on cached features) and returns the history. */
  train(built: BuiltModel, ctx: TrainContext): Promise<TrainOutcome>;
  /** Scores the built model on the images of `it`, which must not shuffle. */
  evaluate(
    built: BuiltModel,
    it: import("@graft/data").DirectoryIterator,
    options: { preprocess: PreprocessMode; classNames: string[] },
  ): Promise<Evaluation>;
}

/**
 * The settings every scenario starts from: the classic recipe's head, freeze 5, block2_pool, avg
 * pooling.
 */
export const GENERAL_DEFAULTS: ScenarioSettings = {
  head: [
    { kind: "flatten" },
    { kind: "dense", units: 1024, activation: "relu" },
    { kind: "dropout", rate: 0.5 },
    { kind: "dense", units: 1024, activation: "relu" },
  ],
  freeze: 5,
  cutLayer: "block2_pool",
  pooling: "avg",
  classifier: "dense",
  cacheFeatures: true,
  augmentCopies: 0,
  initialization: "pretrained",
};

/**
 * The shared behaviour: training on images through the whole model with
 * `fitDataset`, or — when features are cached — extracting them once and fitting
 * the head alone with `fit`; evaluation through the whole model.
 */
export abstract class BaseScenario implements Scenario {
  /** The scenario's registered name. */
  abstract readonly name: string;
  abstract readonly summary: string;
  readonly defaults: Partial<ScenarioSettings> = {};

  pretrained(_settings: ScenarioSettings): boolean {
    return true;
  }

  abstract build(base: tfl.LayersModel, numClasses: number, settings: ScenarioSettings): BuiltModel;

  abstract chooseTrainable(
    built: BuiltModel,
    base: tfl.LayersModel,
    settings: ScenarioSettings,
  ): string[];

  usesCachedFeatures(built: BuiltModel, settings: ScenarioSettings, augmented: boolean): boolean {
    if (!built.cached || !settings.cacheFeatures) return false;
    return !augmented || settings.augmentCopies > 0;
  }

  /**
   * Fits the whole model on images with `fitDataset`, or, when `usesCachedFeatures`,
   * extracts features once and fits the head alone.
   */
  async train(built: BuiltModel, ctx: TrainContext): Promise<TrainOutcome> {
    const cached = this.usesCachedFeatures(built, ctx.settings, ctx.augmented);
    const optimizer = ctx.makeOptimizer();
    const compile = (m: tfl.LayersModel) =>
      m.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const classWeight = ctx.classWeight ?? undefined;
    if (cached && built.cached) {
      const { extractor, head } = built.cached;
      const passes = ctx.augmented ? ctx.settings.augmentCopies : 1;
      const source = ctx.augmented ? ctx.data.train : await ctx.data.trainPlain();
      ctx.log(
        `Caching features of ${source.samples} training images${passes > 1 ? ` × ${passes} augmented copies` : ctx.augmented ? " (augmented)" : ""} at ${extractor.outputs[0]?.shape.slice(1).join("×")}`,
      );
      let lastShown = Date.now();
      const progress = (done: number, total: number) => {
        const now = Date.now();
        if (done === total || now - lastShown > 2000) {
          lastShown = now;
          ctx.log(`  features: ${done}/${total} images`);
        }
      };
      const train = await extractFeatures(extractor, source, {
        preprocess: ctx.preprocess,
        passes,
        onProgress: progress,
      });
      const val = ctx.data.val
        ? await extractFeatures(extractor, ctx.data.val, {
            preprocess: ctx.preprocess,
            onProgress: progress,
          })
        : null;
      compile(head);
      try {
        await ctx.beforeFit?.(head, optimizer);
        const history = await head.fitDataset(
          featureDataset(train.x, train.y, ctx.batchSize, ctx.shuffle ?? true),
          {
            epochs: ctx.epochs,
            initialEpoch: ctx.initialEpoch,
            verbose: 0,
            callbacks: ctx.callbacks,
            ...(val ? { validationData: [val.x, val.y] as [tf.Tensor, tf.Tensor] } : {}),
            ...(classWeight ? { classWeight } : {}),
          },
        );
        return { history, fitModel: head, usedCachedFeatures: true };
      } finally {
        tf.dispose([train.x, train.y, ...(val ? [val.x, val.y] : [])]);
      }
    }
    compile(built.model);
    await ctx.beforeFit?.(built.model, optimizer);
    const history = await built.model.fitDataset(
      preprocessedDataset(ctx.data.train, ctx.preprocess),
      {
        epochs: ctx.epochs,
        initialEpoch: ctx.initialEpoch,
        verbose: 0,
        callbacks: ctx.callbacks,
        ...(ctx.data.val
          ? { validationData: preprocessedDataset(ctx.data.val, ctx.preprocess) as never }
          : {}),
        ...(classWeight ? { classWeight } : {}),
      } as tfl.ModelFitDatasetArgs<unknown>,
    );
    return { history, fitModel: built.model, usedCachedFeatures: false };
  }

  /** Evaluates the whole model (`evaluateModel`). */
  evaluate(
    built: BuiltModel,
    it: import("@graft/data").DirectoryIterator,
    options: { preprocess: PreprocessMode; classNames: string[] },
  ): Promise<Evaluation> {
    return evaluateModel(built.model, it, options);
  }
}

const registry = new Map<string, Scenario>();

/** Makes a scenario available by name (to `getScenario`, the CLI's --scenario, recommend). */
export function registerScenario(s: Scenario): void {
  registry.set(s.name, s);
}

/**
 * The registered scenario of that name. Throws ERR_GRAFT_CONFIG, listing the known names, for any
 * other.
 */
export function getScenario(name: string): Scenario {
  const s = registry.get(name);
  if (!s) {
    throw configError(
      `Unknown scenario '${name}'. Scenarios: ${[...registry.keys()].join(", ")}, or auto`,
    );
  }
  return s;
}

/** The registered scenarios' names, in registration order. */
export function scenarioNames(): string[] {
  return [...registry.keys()];
}

/** The settings a scenario runs with: what the user set, else the scenario's defaults, else the general ones. */
export function resolveSettings(
  scenario: Scenario,
  user: Partial<ScenarioSettings> = {},
): ScenarioSettings {
  const out = { ...GENERAL_DEFAULTS, ...scenario.defaults };
  for (const [k, v] of Object.entries(user)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
