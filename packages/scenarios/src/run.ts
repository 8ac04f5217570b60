/**
 * A whole training run, as `graft train` does it: check everything, then make
 * RUN_DIR with best.h5, last.h5, history.csv, config.json, class_indices.json
 * and report.html; `resumeRun(RUN_DIR)` continues a run that was interrupted.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ImageDataGeneratorOptions, parseGeneratorConfig } from "@graft/augment";
import { application, freezeCountUntil, stageEnds } from "@graft/models";
import {
  balancedClassWeights,
  CSVLogger,
  classCounts,
  EarlyStopping,
  type EarlyStoppingState,
  hasTrainingState,
  type JsonValue,
  kerasAdam,
  loadTrainingState,
  ModelCheckpoint,
  ProgressBar,
  type ProgressStream,
  type RandomState,
  ReduceLROnPlateau,
  type ReduceLROnPlateauState,
  saveTrainingState,
  sgdMomentum,
} from "@graft/training";
import {
  type KerasJsonObject,
  loadKerasModel,
  loadWeights,
  saveKerasModel,
  writeFileAtomic,
} from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadBase } from "./base.ts";
import { parseRunConfig, RECIPE_AUGMENT, type RunConfig, runConfigToJson } from "./config.ts";
import { openData } from "./data.ts";
import { configError } from "./errors.ts";
import { type Evaluation, evaluateModel } from "./evaluate.ts";
import { formatHead, parseHead } from "./head.ts";
import { chooseSeed, SeededMathRandom } from "./random.ts";
import { recommend } from "./recommend.ts";
import { writeRunReport } from "./report.ts";
import { openRunFolder } from "./run-folder.ts";
import {
  type BuiltModel,
  getScenario,
  resolveSettings,
  type Scenario,
  type ScenarioSettings,
} from "./scenario.ts";
import "./strategies/index.ts";

/** Options of `runTraining` and `resumeRun`: where output goes. */
export interface RunOptions {
  /** Lines of progress and results (default console.log). */
  log?: (line: string) => void;
  /** Warnings (skipped files, settings that do not apply; default console.warn). */
  warn?: (line: string) => void;
  /** Where the per-epoch progress bar goes (default process.stdout). */
  progressStream?: ProgressStream;
  /** Relative paths in the config are resolved against this (default process.cwd()). */
  cwd?: string;
  /** Called after each epoch's state is saved (tests use it to kill a run). */
  onEpochSaved?: (epoch: number) => void;
  /**
   * For command-line tools: on SIGINT or SIGTERM, let the epoch's writes finish,
   * say how to resume, unlock the run folder and exit 130 or 143. Default false
   * (the signals keep Node's behaviour).
   */
  exitOnSignal?: boolean;
}

/** What a finished run produced (its files are in `runDir`). */
export interface RunResult {
  /** The run folder. */
  runDir: string;
  /** The scenario that trained (after `auto` was resolved). */
  scenario: string;
  /** Epochs trained (fewer than configured when early stopping ended the run). */
  epochs: number;
  /** The best epoch by `monitor`, from 0; null when no epoch logged it. */
  bestEpoch: number | null;
  /** The monitored value at bestEpoch. */
  best: number | null;
  /** The metric checkpointing and early stopping watched. */
  monitor: string;
  /** best.h5 (else last.h5) evaluated on the validation images, else on the training images. */
  evaluation: Evaluation | null;
  /** One entry per epoch: `epoch` (from 0) and the logged metrics. */
  history: Record<string, number>[];
}

/** What config.json holds: the user's keys, and what the run resolved them to. */
interface SavedConfig {
  format: "graft-run";
  version: 1;
  config: Record<string, unknown>;
  resolved: {
    scenario: string;
    seed: number;
    monitor: string;
    settings: Record<string, unknown>;
    classNames: string[];
    augment: Record<string, unknown> | null;
    inputShape: [number, number, number];
    preprocess: string;
  };
  recommendation?: { scenario: string; reasons: string[] };
}

const STATE_DIR = "state";

/** Trains as configured; `config` may be a RunConfig or raw JSON keys (checked here). */
export async function runTraining(
  config: RunConfig | Record<string, unknown>,
  options: RunOptions = {},
): Promise<RunResult> {
  const c = isRunConfig(config) ? config : parseRunConfig(config);
  return run(c, null, options);
}

/** Continues an interrupted run from its last finished epoch, as if it had never stopped. */
export async function resumeRun(runDir: string, options: RunOptions = {}): Promise<RunResult> {
  const dir = resolve(options.cwd ?? process.cwd(), runDir);
  const path = join(dir, "config.json");
  if (!existsSync(path))
    throw configError(`resume: '${runDir}' is not a run folder (no config.json)`);
  let saved: SavedConfig;
  try {
    saved = JSON.parse(readFileSync(path, "utf8")) as SavedConfig;
  } catch (err) {
    throw configError(`resume: cannot read ${path}: ${(err as Error).message}`);
  }
  if (saved.format !== "graft-run") throw configError(`resume: ${path} is not a graft run config`);
  if (!hasTrainingState(join(dir, STATE_DIR))) {
    throw configError(
      `resume: '${runDir}' has no finished epoch to resume from; start it again with graft train`,
    );
  }
  // Paths in config.json are absolute, so the run resumes from any folder.
  const c = parseRunConfig(saved.config, { where: `${path}: ` });
  return run({ ...c, out: dir }, saved, options);
}

function isRunConfig(x: unknown): x is RunConfig {
  return typeof x === "object" && x !== null && "inputSize" in x && "headText" in x;
}

function readAugment(
  c: RunConfig,
  cwd: string,
): { json: Record<string, unknown> | null; options: ImageDataGeneratorOptions | null } {
  let json: Record<string, unknown> | null;
  if (c.augment === "none") json = null;
  else if (c.augment === "recipe") json = { ...RECIPE_AUGMENT };
  else {
    const path = resolve(cwd, c.augment);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      throw configError(
        `augment: cannot read '${c.augment}' (expected a JSON file, recipe or none)`,
      );
    }
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw configError(`augment: '${c.augment}' is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (json === null) return { json: null, options: null };
  let options: ImageDataGeneratorOptions;
  try {
    options = parseGeneratorConfig(json);
  } catch (err) {
    throw configError(`augment: ${(err as Error).message}`);
  }
  if (options.validationSplit) {
    throw configError("augment: validation_split belongs to the run: use validation-split instead");
  }
  if (options.rescale && c.preprocess !== "none") {
    throw configError(
      `augment: rescale would come on top of preprocess ${c.preprocess}; drop it, or use preprocess rescale (×1/255) or none`,
    );
  }
  if (options.preprocessingFunction)
    throw configError("augment: preprocessing_function cannot come from JSON");
  return { json, options };
}

function makeOptimizer(c: RunConfig): tf.Optimizer {
  // Keras' Adam (ε outside the bias correction), not tfjs': the same steps as a Keras run.
  if (c.optimizer === "adam") return kerasAdam(c.lr);
  // sgdMomentum: tfjs's MomentumOptimizer, each variable's update one kernel on graft-cpu.
  return c.momentum > 0 ? sgdMomentum(c.lr, c.momentum) : tf.train.sgd(c.lr);
}

/**
 * The recipe's head flattens VGG's last feature map; a base of another family (2048 channels
 * for a ResNet) pools it globally first, as Keras' fine-tuning guide does, and keeps the rest.
 */
const POOLED_RECIPE_HEAD = "avg,dense:1024,dropout:0.5,dense:1024";

function settingsFromConfig(c: RunConfig): Partial<ScenarioSettings> {
  const app = application(c.model);
  const vgg = app.family === "vgg16" || app.family === "vgg19";
  const head = c.head ?? (vgg ? null : parseHead(POOLED_RECIPE_HEAD));
  return {
    ...(head ? { head } : {}),
    ...(c.freeze !== null ? { freeze: c.freeze } : {}),
    cutLayer: c.cutLayer ?? app.earlyLayer,
    ...(c.pooling !== null ? { pooling: c.pooling } : {}),
    ...(c.classifier !== null ? { classifier: c.classifier } : {}),
    ...(c.cacheFeatures !== null ? { cacheFeatures: c.cacheFeatures } : {}),
    ...(c.augmentCopies !== null ? { augmentCopies: c.augmentCopies } : {}),
    ...(c.init !== null ? { initialization: c.init } : {}),
  };
}

function settingsJson(s: ScenarioSettings): Record<string, unknown> {
  return { ...s, head: formatHead(s.head) };
}

async function run(c0: RunConfig, saved: SavedConfig | null, o: RunOptions): Promise<RunResult> {
  const log = o.log ?? ((m: string) => console.log(m));
  const warn = o.warn ?? ((m: string) => console.warn(m));
  const cwd = o.cwd ?? process.cwd();
  const runDir = resolve(cwd, c0.out ?? join("runs", `train-${timestamp()}`));
  if (!saved && existsSync(join(runDir, "config.json"))) {
    throw configError(
      `out: '${runDir}' already holds a run; continue it with --resume ${runDir}, or choose another --out`,
    );
  }
  // Created and locked before anything trains: a bad --out fails at once with its cause.
  const folder = openRunFolder(runDir, warn);
  const guard = new WriteGuard(runDir, log, o.exitOnSignal === true, () => folder.release());
  let ok = false;
  try {
    const result = await runIn(runDir, c0, saved, { ...o, log, warn, cwd }, guard);
    ok = true;
    return result;
  } finally {
    guard.uninstall();
    folder.release({ removeIfEmpty: !ok });
  }
}

/**
 * Holds SIGINT/SIGTERM back while an epoch's files are written, then exits with
 * 128 + the signal's number after saying how to resume.
 */
class WriteGuard {
  private writing = false;
  private pending: NodeJS.Signals | null = null;
  /** Epochs whose state is saved (what a resume starts from). */
  saved = 0;
  private readonly handler = (sig: NodeJS.Signals) => {
    this.pending = sig;
    if (!this.writing) this.exit();
  };
  constructor(
    private readonly runDir: string,
    private readonly log: (line: string) => void,
    private readonly active: boolean,
    private readonly unlock: () => void,
  ) {
    if (!active) return;
    process.on("SIGINT", this.handler);
    process.on("SIGTERM", this.handler);
  }
  begin(): void {
    this.writing = true;
  }
  end(savedEpochs: number): void {
    this.saved = savedEpochs;
    this.writing = false;
    if (this.pending) this.exit();
  }
  uninstall(): void {
    if (!this.active) return;
    process.off("SIGINT", this.handler);
    process.off("SIGTERM", this.handler);
  }
  private exit(): void {
    const sig = this.pending as NodeJS.Signals;
    // A newline first: the progress bar may be mid-line.
    this.log("");
    this.log(
      this.saved > 0
        ? `Interrupted (${sig}) after ${this.saved} saved epoch${this.saved === 1 ? "" : "s"}; resume with: graft train --resume ${this.runDir}`
        : `Interrupted (${sig}) before the first epoch was saved; nothing to resume, start the run again`,
    );
    this.unlock();
    process.exit(sig === "SIGINT" ? 130 : 143);
  }
}

async function runIn(
  runDir: string,
  c0: RunConfig,
  saved: SavedConfig | null,
  o: RunOptions & Required<Pick<RunOptions, "log" | "warn" | "cwd">>,
  guard: WriteGuard,
): Promise<RunResult> {
  const { log, warn, cwd } = o;
  const abs = (p: string | null) => (p === null ? null : resolve(cwd, p));
  const c: RunConfig = {
    ...c0,
    data: abs(c0.data) as string,
    valData: abs(c0.valData),
    weights:
      c0.weights === "imagenet" || c0.weights === "none" ? c0.weights : (abs(c0.weights) as string),
    augment:
      c0.augment === "recipe" || c0.augment === "none" ? c0.augment : (abs(c0.augment) as string),
    cacheDir: abs(c0.cacheDir),
    initialWeights: abs(c0.initialWeights),
  };
  const seed = saved?.resolved.seed ?? chooseSeed(c.seed);
  const augment = readAugment(c, cwd);

  // Everything the run reads is checked before anything is written.
  const data = await openData({
    data: c.data,
    valData: c.valData,
    validationSplit: c.validationSplit,
    targetSize: [c.inputSize, c.inputSize],
    batchSize: c.batchSize,
    seed,
    shuffle: c.shuffle,
    augment: augment.options,
    warn,
  });
  if (saved && JSON.stringify(data.classNames) !== JSON.stringify(saved.resolved.classNames)) {
    throw configError(
      `resume: the classes in ${c.data} (${data.classNames.join(", ")}) are not the run's (${saved.resolved.classNames.join(", ")})`,
    );
  }
  const hasVal = data.val !== null;
  const monitor = saved?.resolved.monitor ?? c.monitor ?? (hasVal ? "val_acc" : "acc");
  if (monitor.startsWith("val_") && !hasVal) {
    throw configError(
      `monitor: ${monitor} needs validation data (val-data or validation-split > 0)`,
    );
  }

  const mathRandom = new SeededMathRandom(seed);
  mathRandom.install();
  try {
    let scenarioName = saved?.resolved.scenario ?? c.scenario;
    let recommendation: SavedConfig["recommendation"];
    if (scenarioName === "auto") {
      const probeBase = await loadBase({ ...c, blockFilters: c.blockFilters, pretrained: true });
      try {
        const r = await recommend({
          base: probeBase,
          data: c.data,
          inputSize: c.inputSize,
          preprocess: c.preprocess,
          earlyLayer: application(c.model).earlyLayer,
          log,
        });
        scenarioName = r.scenario;
        recommendation = { scenario: r.scenario, reasons: r.reasons };
        log(`scenario auto → ${r.scenario}`);
        for (const reason of r.reasons) log(`  ${reason}`);
      } finally {
        probeBase.dispose();
      }
    }
    const scenario: Scenario = getScenario(scenarioName);
    const settings = resolveSettings(scenario, settingsFromConfig(c));
    const base = await loadBase({
      model: c.model,
      weights: c.weights,
      inputSize: c.inputSize,
      blockFilters: c.blockFilters,
      cacheDir: c.cacheDir,
      pretrained: scenario.pretrained(settings),
    });
    if (
      scenario.name === "small-different" &&
      !base.layers.some((l) => l.name === settings.cutLayer)
    ) {
      const ends = stageEnds(base);
      base.dispose();
      throw configError(
        `cut-layer: no layer named '${settings.cutLayer}' in ${c.model}; try one of ${ends.join(", ")}`,
      );
    }
    if (c.freezeUntil !== null) {
      try {
        settings.freeze = freezeCountUntil(base, c.freezeUntil);
      } catch (err) {
        base.dispose();
        throw configError(`freeze-until: ${(err as Error).message}`);
      }
    }
    if (settings.freeze > base.layers.length) {
      const n = base.layers.length;
      base.dispose();
      throw configError(`freeze: ${settings.freeze} is more than the ${n} layers of the base`);
    }

    let built: BuiltModel;
    try {
      built = scenario.build(base, data.classNames.length, settings);
    } catch (err) {
      base.dispose();
      throw configError(`head: cannot build the model: ${(err as Error).message}`);
    }
    // A resumed run takes its weights from the saved state instead.
    if (c.initialWeights && !saved) {
      try {
        await loadInitialWeights(built.model, c.initialWeights);
      } catch (err) {
        built.model.dispose();
        throw err;
      }
    }
    const frozen = scenario.chooseTrainable(built, base, settings);

    // From here on, the run folder is written.
    mkdirSync(runDir, { recursive: true });
    const savedConfig: SavedConfig = saved ?? {
      format: "graft-run",
      version: 1,
      config: runConfigToJson({ ...c, out: runDir, seed }),
      resolved: {
        scenario: scenario.name,
        seed,
        monitor,
        settings: settingsJson(settings),
        classNames: data.classNames,
        augment: augment.json,
        inputShape: [c.inputSize, c.inputSize, 3],
        preprocess: c.preprocess,
      },
      ...(recommendation ? { recommendation } : {}),
    };
    if (!saved) {
      writeJson(join(runDir, "config.json"), savedConfig);
      writeJson(join(runDir, "class_indices.json"), data.classIndices);
    }
    const metadata: KerasJsonObject = {
      classNames: data.classNames,
      preprocess: c.preprocess,
      inputShape: [c.inputSize, c.inputSize, 3],
      scenario: scenario.name,
      base: c.model,
    };

    const trainable = built.model.layers.filter((l) => l.trainable && l.weights.length > 0).length;
    log(
      `${saved ? "Resuming" : "Training"} ${scenario.name} (${scenario.summary}): ${data.train.samples} training images, ${data.val ? `${data.val.samples} validation images` : "no validation"}, ${data.classNames.length} classes; ${frozen.length} base layers frozen, ${trainable} layers with weights train. Run folder: ${runDir}`,
    );

    // Callbacks, in the order they act at each epoch's end.
    const checkpoint = new ModelCheckpoint({
      filepath: join(runDir, "best.h5"),
      monitor,
      saveBestOnly: true,
      target: built.model,
      metadata,
      onWarning: warn,
    });
    const early =
      c.patience > 0
        ? new EarlyStopping({ monitor, patience: c.patience, verbose: 1, log, onWarning: warn })
        : null;
    const reduce =
      c.reduceLrPatience > 0
        ? new ReduceLROnPlateau({
            monitor,
            patience: c.reduceLrPatience,
            verbose: 1,
            log,
            onWarning: warn,
          })
        : null;
    const historyPath = join(runDir, "history.csv");
    const history: Record<string, number>[] = [];
    // A resumed run reads its last state once: counters here, weights and slots in beforeFit.
    const resumed = saved ? await loadTrainingState(join(runDir, STATE_DIR)) : null;
    const initialEpoch = resumed?.epoch ?? 0;
    guard.saved = initialEpoch;
    const stateExtra = resumed?.extra ?? null;
    if (resumed) {
      for (const h of (resumed.extra.history as Record<string, number>[] | undefined) ?? [])
        history.push(h);
      truncateCsv(historyPath, initialEpoch);
      checkpoint.best = (resumed.extra.checkpointBest as number | null) ?? null;
      if (early && resumed.extra.earlyStopping)
        early.resumeFrom(resumed.extra.earlyStopping as unknown as EarlyStoppingState);
      if (reduce && resumed.extra.reduceLr)
        reduce.resumeFrom(resumed.extra.reduceLr as unknown as ReduceLROnPlateauState);
      if (initialEpoch >= c.epochs || resumed.extra.stopped === true) {
        log(
          `The run already finished (${initialEpoch} epochs${resumed.extra.stopped ? ", stopped early" : ""}); nothing to resume.`,
        );
      }
    }
    const csv = new CSVLogger(historyPath, {
      append: saved !== null,
      renameKeys: { acc: "accuracy", val_acc: "val_accuracy" },
    });
    let fitModel: tfl.LayersModel | null = null;
    const stateSaver = new (class extends tfl.Callback {
      override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
        const row: Record<string, number> = { epoch };
        for (const [k, v] of Object.entries(logs ?? {})) if (typeof v === "number") row[k] = v;
        history.push(row);
        await saveKerasModel(built.model, join(runDir, "last.h5"), { metadata });
        await saveTrainingState(join(runDir, STATE_DIR), {
          model: this.model as tfl.LayersModel,
          epoch: epoch + 1,
          best: checkpoint.best,
          rngState: mathRandom.state() as unknown as JsonValue,
          extra: {
            iterator:
              fitModel === built.model ? (data.train.checkpoint() as unknown as JsonValue) : null,
            checkpointBest: checkpoint.best,
            earlyStopping: early ? (early.getState() as unknown as JsonValue) : null,
            reduceLr: reduce ? (reduce.getState() as unknown as JsonValue) : null,
            stopped: (this.model as tfl.LayersModel).stopTraining === true,
            history: history as unknown as JsonValue,
          },
        });
        guard.end(epoch + 1);
        o.onEpochSaved?.(epoch + 1);
      }
    })();
    // Fault injection for the resume tests: GRAFT_KILL_AT=EPOCH:BATCH SIGKILLs the process
    // after that batch (both counted from 1), as a crash or an OOM kill would.
    const killAt = /^(\d+):(\d+)$/.exec(process.env.GRAFT_KILL_AT ?? "");
    const killer = killAt
      ? new (class extends tfl.Callback {
          private epoch = -1;
          override async onEpochBegin(epoch: number): Promise<void> {
            this.epoch = epoch;
          }
          override async onBatchEnd(batch: number): Promise<void> {
            if (this.epoch + 1 === Number(killAt[1]) && batch + 1 === Number(killAt[2])) {
              process.kill(process.pid, "SIGKILL");
            }
          }
        })()
      : null;
    const bar = new ProgressBar(o.progressStream ? { stream: o.progressStream } : {});
    // Holds a signal back from the first epoch-end write (best.h5) to the saved state.
    const guardStart = new (class extends tfl.Callback {
      override async onEpochEnd(): Promise<void> {
        guard.begin();
      }
    })();
    const callbacks: tfl.Callback[] = [
      guardStart,
      checkpoint,
      ...(early ? [early] : []),
      ...(reduce ? [reduce] : []),
      csv,
      stateSaver,
      bar,
      ...(killer ? [killer] : []),
    ];

    const classWeight =
      c.classWeight === "balanced"
        ? balancedClassWeights(classCounts(Array.from(data.train.classes), data.classNames.length))
        : null;
    if (classWeight) log(`class weights: ${JSON.stringify(classWeight)}`);

    const finished = saved !== null && (initialEpoch >= c.epochs || stateExtra?.stopped === true);
    if (!finished) {
      await scenario.train(built, {
        data,
        preprocess: c.preprocess,
        settings,
        augmented: augment.options !== null,
        makeOptimizer: () => makeOptimizer(c),
        epochs: c.epochs,
        initialEpoch,
        batchSize: c.batchSize,
        shuffle: c.shuffle,
        callbacks,
        classWeight,
        log,
        beforeFit: async (m, optimizer) => {
          fitModel = m;
          if (!resumed) return;
          await loadTrainingState(join(runDir, STATE_DIR), { model: m, optimizer });
          mathRandom.setState(resumed?.rngState as unknown as RandomState);
          if (m === built.model && stateExtra?.iterator) {
            data.train.resume(stateExtra.iterator as never);
          }
        },
      });
    }

    // The best model, evaluated on the validation images (else the training images).
    const bestPath = existsSync(join(runDir, "best.h5"))
      ? join(runDir, "best.h5")
      : join(runDir, "last.h5");
    let evaluation: Evaluation | null = null;
    const evalSource = data.val ?? (await data.trainPlain());
    const best = await loadKerasModel(bestPath);
    try {
      evaluation = await evaluateModel(best, evalSource, {
        preprocess: c.preprocess,
        classNames: data.classNames,
      });
    } finally {
      best.dispose();
    }
    const bestRow = bestEpochOf(history, monitor);
    log(
      `Best ${monitor} ${bestRow ? `${(bestRow[monitor] as number).toFixed(4)} at epoch ${(bestRow.epoch as number) + 1}` : "n/a"}; ${data.val ? "validation" : "training"} accuracy of best.h5: ${evaluation.accuracy.toFixed(4)}`,
    );
    await writeRunReport({
      runDir,
      title: `graft train — ${scenario.name} on ${c.data}`,
      config: {
        ...savedConfig.config,
        ...Object.fromEntries(
          Object.entries(savedConfig.resolved).map(([k, v]) => [`resolved.${k}`, v]),
        ),
      },
      history,
      monitor,
      bestEpoch: bestRow ? (bestRow.epoch as number) : null,
      evaluation,
      evaluatedOn: data.val ? "validation" : "training",
      imageRoot: data.val ? data.val.directory : evalSource.directory,
      inputSize: c.inputSize,
      notes: [
        ...(recommendation ? recommendation.reasons.map((r) => `recommend: ${r}`) : []),
        `frozen: ${frozen.length ? frozen.join(", ") : "none"}`,
      ],
    });
    log(
      `Wrote ${["best.h5", "last.h5", "history.csv", "config.json", "class_indices.json", "report.html"].filter((f) => existsSync(join(runDir, f))).join(", ")} in ${runDir}`,
    );
    const result: RunResult = {
      runDir,
      scenario: scenario.name,
      epochs: history.length,
      bestEpoch: bestRow ? (bestRow.epoch as number) : null,
      best: bestRow ? (bestRow[monitor] as number) : null,
      monitor,
      evaluation,
      history,
    };
    built.model.dispose();
    return result;
  } finally {
    mathRandom.uninstall();
  }
}

/**
 * The whole model's starting weights from a file, by layer name (Keras' by_name=True), with
 * nothing left as built: a layer with weights the file does not hold is an error.
 */
async function loadInitialWeights(model: tfl.LayersModel, path: string): Promise<void> {
  let loaded: string[];
  try {
    loaded = (await loadWeights(model, path, { byName: true, onWarning: () => {} })).loaded;
  } catch (err) {
    throw configError(`initial-weights: ${(err as Error).message}`);
  }
  const got = new Set(loaded);
  const weighted = model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
  const missing = weighted.filter((name) => !got.has(name));
  if (missing.length > 0) {
    throw configError(
      `initial-weights: ${path} holds no weights for ${missing.join(", ")} (it must cover every layer with weights: ${weighted.join(", ")})`,
    );
  }
}

function bestEpochOf(
  history: Record<string, number>[],
  monitor: string,
): Record<string, number> | null {
  const max = monitor.includes("acc");
  let best: Record<string, number> | null = null;
  for (const h of history) {
    const v = h[monitor];
    if (v === undefined || Number.isNaN(v)) continue;
    if (!best || (max ? v > (best[monitor] as number) : v < (best[monitor] as number))) best = h;
  }
  return best;
}

/** Keeps the header and the first `epochs` rows (rows written after the last saved state go). */
function truncateCsv(path: string, epochs: number): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  const lines = text.split("\r\n").filter((l) => l !== "");
  const kept = lines.slice(0, epochs + 1);
  writeFileAtomic(path, kept.length ? `${kept.join("\r\n")}\r\n` : "");
}

function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
