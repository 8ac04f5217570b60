/**
 * Keras' EarlyStopping (keras/src/callbacks/early_stopping.py), for tfjs-layers
 * `fit`/`fitDataset`: stop when the monitored quantity has stopped improving,
 * optionally restoring the weights of the best epoch.
 *
 * Keras 3 semantics, including the quirks: `wait` counts from the first
 * monitored epoch, a `baseline` only decides whether an improvement resets the
 * patience (the best value itself starts unset), training is never stopped at
 * epoch 0, and `restoreBestWeights` restores at the end of training whether or
 * not it stopped early.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { argumentError } from "./errors.ts";
import { resolveLogs, type UnresolvedLogs } from "./logs.ts";
import { Monitor, type MonitorMode } from "./monitor.ts";

/** Options of `EarlyStopping`, with Keras' names and defaults. */
export interface EarlyStoppingOptions {
  /** Defaults to "val_loss". */
  monitor?: string;
  /** Smallest change that counts as an improvement (absolute). Defaults to 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Defaults to 0. */
  patience?: number;
  /** Whether `monitor` should fall or rise. Defaults to "auto" (see `monitorDirection`). */
  mode?: MonitorMode;
  /** A value the monitored quantity must beat before patience is reset. */
  baseline?: number | null;
  /** Put back the weights of the best epoch when training ends. Defaults to false. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (warm-up). Defaults to 0. */
  startFromEpoch?: number;
  /** 1 prints "Epoch N: early stopping" and the restore message. Defaults to 0. */
  verbose?: 0 | 1;
  /** Where verbose messages go; defaults to console.log. */
  log?: (message: string) => void;
  /** Receives the "metric not available" warning; defaults to console.warn. */
  onWarning?: (message: string) => void;
}

function nonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw argumentError(name, "a non-negative integer", v);
  return v;
}

/** What `EarlyStopping` carries from epoch to epoch, as plain JSON. */
export interface EarlyStoppingState {
  /** Epochs since the last improvement. */
  wait: number;
  /** The best monitored value so far; null before the first. */
  best: number | null;
  /** The epoch (0-based) of that value. */
  bestEpoch: number;
}

/**
 * Keras' EarlyStopping: stops `fit` once `monitor` has not improved for `patience`
 * epochs, optionally putting back the best epoch's weights. Resumable (`getState`/`resumeFrom`).
 */
export class EarlyStopping extends tfl.Callback {
  /** The quantity watched. */
  readonly monitor: Monitor;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** The value to beat before patience resets; null for none. */
  readonly baseline: number | null;
  /** Whether training ends with the best epoch's weights. */
  readonly restoreBestWeights: boolean;
  /** Epochs skipped before monitoring starts. */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch (0-based) at which training was stopped, or null. */
  stoppedEpoch: number | null = null;
  /** The best monitored value so far; null before the first. */
  best: number | null = null;
  /** The epoch (0-based) of `best`. */
  bestEpoch = 0;
  private bestWeights: tf.Tensor[] | null = null;
  private readonly verbose: number;
  private readonly log: (m: string) => void;
  private readonly warn: (m: string) => void;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = new Monitor(options.monitor ?? "val_loss", options.mode, options.minDelta ?? 0);
    this.patience = nonNegativeInt("patience", options.patience ?? 0);
    this.baseline = options.baseline ?? null;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = nonNegativeInt("startFromEpoch", options.startFromEpoch ?? 0);
    this.verbose = options.verbose ?? 0;
    this.log = options.log ?? ((m) => console.log(m));
    this.warn = options.onWarning ?? ((m) => console.warn(m));
  }

  private pending: { state: EarlyStoppingState; bestWeights: tf.Tensor[] | null } | null = null;

  /** What a resumed run needs to carry on counting (see `resumeFrom`). */
  getState(): EarlyStoppingState {
    return { wait: this.wait, best: this.best, bestEpoch: this.bestEpoch };
  }

  /**
   * Continue from an interrupted run's `getState()` at the next `fit`, instead of
   * starting afresh. With `restoreBestWeights`, pass the best epoch's weights too
   * (the callback takes ownership of the tensors).
   */
  resumeFrom(state: EarlyStoppingState, bestWeights: tf.Tensor[] | null = null): void {
    this.pending = { state, bestWeights };
  }

  /** Resets the counters, or takes the state given to `resumeFrom`. */
  override async onTrainBegin(): Promise<void> {
    this.wait = 0;
    this.stoppedEpoch = null;
    this.best = null;
    this.bestEpoch = 0;
    this.setBestWeights(null);
    if (this.pending) {
      this.wait = this.pending.state.wait;
      this.best = this.pending.state.best;
      this.bestEpoch = this.pending.state.bestEpoch;
      this.setBestWeights(this.pending.bestWeights);
      this.pending = null;
    }
  }

  /**
   * Compares the epoch's value with the best and sets `model.stopTraining` once patience runs out.
   */
  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const current = this.monitor.valueFrom(resolved, "Early stopping", this.warn);
    if (current === null || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // Until something improves, the current weights are the best ones.
      this.setBestWeights(this.snapshot());
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (this.monitor.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.setBestWeights(this.snapshot());
      // Patience restarts only once the baseline is beaten as well.
      if (this.baseline === null || this.monitor.isImprovement(current, this.baseline)) {
        this.wait = 0;
      }
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  /**
   * Restores the best weights (with `restoreBestWeights`) and reports the stop (with `verbose`).
   */
  override async onTrainEnd(): Promise<void> {
    if (this.stoppedEpoch !== null && this.verbose > 0) {
      this.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    }
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0) {
        this.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      }
      this.model.setWeights(this.bestWeights);
      this.setBestWeights(null);
    }
  }

  /** Copies of the model's weights (a clone survives later variable assignments). */
  private snapshot(): tf.Tensor[] {
    return this.model.getWeights().map((w) => tf.clone(w));
  }

  private setBestWeights(weights: tf.Tensor[] | null): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = weights;
  }
}
