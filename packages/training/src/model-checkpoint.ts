/**
 * Keras' ModelCheckpoint (keras/src/callbacks/model_checkpoint.py) for
 * tfjs-layers: after each epoch, save the model (or only its weights),
 * optionally only when the monitored quantity improved. Files are Keras files:
 *
 *  - whole model: `saveKerasModel`, a Keras 2 full-model `.h5` or, for paths
 *    ending `.keras`, a Keras 3 archive; Python's `keras.models.load_model`
 *    reads both;
 *  - weights only: `saveWeights`, Keras 3 `.weights.h5` or the Keras 2 `.h5`
 *    layout.
 *
 * Every file appears atomically (temp file + rename), so a crash mid-save
 * never leaves a torn checkpoint. `filepath` may hold Python format fields:
 * `ckpt-{epoch:02d}-{val_loss:.2f}.h5` (epoch counts from 1, as in Keras).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type KerasJsonObject, saveKerasModel, saveWeights } from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import { TrainingError } from "./errors.ts";
import { formatPath } from "./format.ts";
import { resolveLogs, type UnresolvedLogs } from "./logs.ts";
import { Monitor, type MonitorMode } from "./monitor.ts";

/** Options of `ModelCheckpoint`, with Keras' names and defaults; only `filepath` is required. */
export interface ModelCheckpointOptions {
  /** Where to save; may contain `{epoch:02d}`-style fields naming epoch or a logged metric. */
  filepath: string;
  /** Defaults to "val_loss". */
  monitor?: string;
  /** Whether `monitor` should fall or rise. Defaults to "auto" (see `monitorDirection`). */
  mode?: MonitorMode;
  /** Save only when `monitor` improves on the best value so far. Defaults to false. */
  saveBestOnly?: boolean;
  /** Save weights (`saveWeights`) instead of the whole model. Defaults to false. */
  saveWeightsOnly?: boolean;
  /** The value to beat before the first save (Keras' `initial_value_threshold`). */
  initialValueThreshold?: number | null;
  /**
   * The model to save, when `fit` runs on a part of it: a head trained on cached
   * features shares its layers with the whole model, which is what gets saved.
   * Defaults to the model being fit.
   */
  target?: tfl.LayersModel;
  /** Stored with whole-model saves (`saveKerasModel`'s `metadata`): class names, preprocessing. */
  metadata?: KerasJsonObject;
  /** 1 prints a line per decision, as Keras does. Defaults to 0. */
  verbose?: 0 | 1;
  /** Where verbose lines go; defaults to console.log. */
  log?: (message: string) => void;
  /** Receives the "metric not available" warning; defaults to console.warn. */
  onWarning?: (message: string) => void;
}

/**
 * Keras' ModelCheckpoint: saves the model, or its weights, after each epoch or only
 * when `monitor` improves (see the module comment).
 */
export class ModelCheckpoint extends tfl.Callback {
  /** The path pattern, before its format fields are filled. */
  readonly filepath: string;
  /** The quantity `saveBestOnly` watches. */
  readonly monitor: Monitor;
  /** Whether only improvements are saved. */
  readonly saveBestOnly: boolean;
  /** Whether only weights are saved. */
  readonly saveWeightsOnly: boolean;
  /** Stored with whole-model saves; undefined for none. */
  readonly metadata: KerasJsonObject | undefined;
  /** The model saved instead of the one being fit; undefined for that one. */
  readonly target: tfl.LayersModel | undefined;
  /** The best monitored value so far (or `initialValueThreshold`); null before the first. */
  best: number | null;
  /** Paths written so far in this run, oldest first. */
  readonly saved: string[] = [];
  private readonly verbose: number;
  private readonly log: (m: string) => void;
  private readonly warn: (m: string) => void;

  constructor(options: ModelCheckpointOptions) {
    super();
    if (!options || typeof options.filepath !== "string" || options.filepath === "") {
      throw new TrainingError(
        "ERR_GRAFT_ARGUMENT",
        `Expected a file path for filepath but received ${String(options?.filepath)}`,
      );
    }
    const weightsOnly = options.saveWeightsOnly ?? false;
    const ext = weightsOnly ? [".h5"] : [".h5", ".keras"];
    if (!ext.some((e) => options.filepath.endsWith(e))) {
      throw new TrainingError(
        "ERR_GRAFT_ARGUMENT",
        weightsOnly
          ? `With saveWeightsOnly the filepath must end in .weights.h5 (Keras 3 layout) or .h5 (Keras 2 layout). Received: filepath=${options.filepath}`
          : `The filepath must end in .h5 (Keras 2 full model) or .keras (Keras 3 archive). Received: filepath=${options.filepath}`,
      );
    }
    this.filepath = options.filepath;
    this.monitor = new Monitor(options.monitor ?? "val_loss", options.mode, 0);
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.saveWeightsOnly = weightsOnly;
    this.metadata = options.metadata;
    this.target = options.target;
    this.best = options.initialValueThreshold ?? null;
    this.verbose = options.verbose ?? 0;
    this.log = options.log ?? ((m) => console.log(m));
    this.warn = options.onWarning ?? ((m) => console.warn(m));
  }

  /** Fills the path's fields from the epoch (from 1) and the logs, and saves if it should. */
  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const path = formatPath(this.filepath, { ...resolved, epoch: epoch + 1 });
    if (!this.shouldSave(epoch, resolved, path)) return;
    mkdirSync(dirname(path), { recursive: true });
    const model = this.target ?? this.model;
    if (this.saveWeightsOnly) await saveWeights(model, path);
    else await saveKerasModel(model, path, { metadata: this.metadata });
    this.saved.push(path);
    if (this.verbose > 0) this.log(`Epoch ${epoch + 1}: finished saving model to ${path}`);
  }

  private shouldSave(epoch: number, logs: Record<string, number>, path: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) this.log(`Epoch ${epoch + 1}: saving model to ${path}`);
      return true;
    }
    const current = logs[this.monitor.monitor];
    if (typeof current !== "number") {
      this.warn(`Can save best model only with ${this.monitor.monitor} available.`);
      return true;
    }
    const bestStr = this.best === null ? "None" : this.best.toFixed(5);
    if (this.monitor.isImprovement(current, this.best)) {
      if (this.verbose > 0) {
        this.log(
          `Epoch ${epoch + 1}: ${this.monitor.monitor} improved from ${bestStr} to ${current.toFixed(5)}, saving model to ${path}`,
        );
      }
      this.best = current;
      return true;
    }
    if (this.verbose > 0) {
      this.log(`Epoch ${epoch + 1}: ${this.monitor.monitor} did not improve from ${bestStr}`);
    }
    return false;
  }
}
