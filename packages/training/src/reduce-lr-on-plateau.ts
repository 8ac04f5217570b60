/**
 * Keras' ReduceLROnPlateau (keras/src/callbacks/reduce_lr_on_plateau.py):
 * multiply the learning rate by `factor` once the monitored quantity has not
 * improved for `patience` epochs, then wait `cooldown` epochs before counting
 * again; never go below `minLr`. Like Keras it adds `learning_rate` (the rate
 * in force during the epoch) to the epoch logs, so a later CSVLogger records it.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { argumentError, TrainingError } from "./errors.ts";
import { getLearningRate, setLearningRate } from "./learning-rate.ts";
import { resolveLogs, type UnresolvedLogs } from "./logs.ts";
import { Monitor, type MonitorMode } from "./monitor.ts";

/** Options of `ReduceLROnPlateau`, with Keras' names and defaults. */
export interface ReduceLROnPlateauOptions {
  /** Defaults to "val_loss". */
  monitor?: string;
  /** New rate = rate × factor; must be < 1. Defaults to 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Defaults to 10. */
  patience?: number;
  /** Whether `monitor` should fall or rise. Defaults to "auto" (see `monitorDirection`). */
  mode?: MonitorMode;
  /** Smallest change that counts as an improvement. Defaults to 1e-4 (Keras' default). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Defaults to 0. */
  cooldown?: number;
  /** Lower bound on the learning rate. Defaults to 0. */
  minLr?: number;
  /** 1 prints "Epoch N: ReduceLROnPlateau reducing learning rate to X." */
  verbose?: 0 | 1;
  /** Where verbose lines go; defaults to console.log. */
  log?: (message: string) => void;
  /** Receives the "metric not available" warning; defaults to console.warn. */
  onWarning?: (message: string) => void;
}

/** What `ReduceLROnPlateau` carries from epoch to epoch, as plain JSON. */
export interface ReduceLROnPlateauState {
  /** Epochs since the last improvement. */
  wait: number;
  /** Cooldown epochs still to wait after the last reduction. */
  cooldownCounter: number;
  /** The best monitored value so far; null before the first. */
  best: number | null;
}

/**
 * Keras' ReduceLROnPlateau: lowers the optimizer's learning rate when `monitor` stops
 * improving (see the module comment). Resumable (`getState`/`resumeFrom`).
 */
export class ReduceLROnPlateau extends tfl.Callback {
  /** The quantity watched. */
  readonly monitor: Monitor;
  /** The multiplier of each reduction, below 1. */
  readonly factor: number;
  /** Epochs without improvement before a reduction. */
  readonly patience: number;
  /** Epochs to wait after a reduction before counting again. */
  readonly cooldown: number;
  /** The learning rate never goes below this. */
  readonly minLr: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Cooldown epochs still to wait. */
  cooldownCounter = 0;
  /** The best monitored value so far; null before the first. */
  best: number | null = null;
  private readonly verbose: number;
  private readonly log: (m: string) => void;
  private readonly warn: (m: string) => void;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    const factor = options.factor ?? 0.1;
    if (!(factor < 1) || !(factor >= 0)) {
      throw new TrainingError(
        "ERR_GRAFT_ARGUMENT",
        `ReduceLROnPlateau does not support a factor >= 1.0 (or negative). Received: factor=${factor}`,
      );
    }
    this.monitor = new Monitor(
      options.monitor ?? "val_loss",
      options.mode,
      options.minDelta ?? 1e-4,
    );
    this.factor = factor;
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    for (const [name, v] of [
      ["patience", this.patience],
      ["cooldown", this.cooldown],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw argumentError(name, "a non-negative integer", v);
    }
    if (!(this.minLr >= 0)) throw argumentError("minLr", "a non-negative number", this.minLr);
    this.verbose = options.verbose ?? 0;
    this.log = options.log ?? ((m) => console.log(m));
    this.warn = options.onWarning ?? ((m) => console.warn(m));
  }

  private pending: ReduceLROnPlateauState | null = null;

  /** What a resumed run needs to carry on counting (the rate itself is the optimizer's). */
  getState(): ReduceLROnPlateauState {
    return { wait: this.wait, cooldownCounter: this.cooldownCounter, best: this.best };
  }

  /** Continue from an interrupted run's `getState()` at the next `fit`. */
  resumeFrom(state: ReduceLROnPlateauState): void {
    this.pending = { ...state };
  }

  /** Starts counting afresh, or from the state given to `resumeFrom`. */
  override async onTrainBegin(): Promise<void> {
    this.best = this.pending?.best ?? null;
    this.cooldownCounter = this.pending?.cooldownCounter ?? 0;
    this.wait = this.pending?.wait ?? 0;
    this.pending = null;
  }

  /** Adds `learning_rate` to the logs and reduces the rate once patience runs out. */
  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const optimizer = this.model.optimizer;
    resolved.learning_rate = getLearningRate(optimizer);
    const current = this.monitor.valueFrom(resolved, "Learning rate reduction", this.warn);
    if (current === null) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.monitor.isImprovement(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = getLearningRate(optimizer);
        if (old > Math.fround(this.minLr)) {
          const lr = Math.max(old * this.factor, this.minLr);
          setLearningRate(optimizer, lr);
          if (this.verbose > 0) {
            this.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${lr}.`);
          }
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
