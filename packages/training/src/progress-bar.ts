/**
 * A Keras-style progress display for tfjs-layers `fit`/`fitDataset`
 * (after keras/src/utils/progbar.py), without ANSI colours:
 *
 *     Epoch 3/50
 *     12/40 ━━━━━━──────────────── 3s 95ms/step - acc: 0.5312 - loss: 0.6904
 *
 * On a TTY the bar is redrawn in place (`\r`) at most every `interval` ms, and
 * the epoch ends with the elapsed time and the validation metrics:
 *
 *     40/40 ━━━━━━━━━━━━━━━━━━━━ 4s 98ms/step - acc: 0.5500 - loss: 0.6871 - val_acc: 0.5000 - val_loss: 0.6902
 *
 * On anything else (a pipe, a CI log) it prints Keras' `verbose=2` form, one
 * plain line per epoch: `40/40 - 4s - 98ms/step - acc: … - val_loss: …`.
 * Metrics shown mid-epoch are sample-weighted running means of the batch logs;
 * the end-of-epoch line uses the epoch logs tfjs computes.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { resolveLogs, type UnresolvedLogs } from "./logs.ts";

/** The part of a writable stream the display needs; `process.stdout` fits. */
export interface ProgressStream {
  /** Writes text as given. */
  write(chunk: string): unknown;
  /** True on a terminal: the bar is then redrawn in place. */
  isTTY?: boolean;
}

/** Options of `ProgressBar`; all optional. */
export interface ProgressBarOptions {
  /** Defaults to process.stdout. */
  stream?: ProgressStream;
  /** Overrides `stream.isTTY`. */
  tty?: boolean;
  /** Bar width in characters. Defaults to 20 (Keras). */
  width?: number;
  /** Minimum milliseconds between TTY redraws. Defaults to 50 (Keras). */
  interval?: number;
  /** Clock in milliseconds; injectable for tests. Defaults to performance.now. */
  now?: () => number;
}

const SKIP_KEYS = new Set(["batch", "size"]);

/** Python's `%.4f` above 1e-3 in magnitude, `%.4e` below. */
function fmtMetric(v: number): string {
  if (Math.abs(v) > 1e-3) return v.toFixed(4);
  const [m, e] = v.toExponential(4).split("e") as [string, string];
  const ev = Number(e);
  return `${m}e${ev < 0 ? "-" : "+"}${String(Math.abs(ev)).padStart(2, "0")}`;
}

function fmtEta(seconds: number): string {
  if (seconds > 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return `${h}:${String(m).padStart(2, "0")}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  }
  if (seconds > 60) {
    return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  }
  return `${Math.floor(seconds)}s`;
}

function fmtPerStep(seconds: number): string {
  if (seconds >= 1 || seconds === 0) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

/**
 * Keras' progress display for `fit`/`fitDataset`: a bar redrawn in place on a TTY,
 * one plain line per epoch elsewhere (see the module comment).
 */
export class ProgressBar extends tfl.Callback {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly width: number;
  private readonly interval: number;
  private readonly now: () => number;
  private epochs = 0;
  private steps: number | null = null;
  private epochStart = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private prevWidth = 0;
  private seen = 0;
  private batches = 0;
  private sums = new Map<string, number>();

  constructor(options: ProgressBarOptions = {}) {
    super();
    this.stream = options.stream ?? process.stdout;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.width = options.width ?? 20;
    this.interval = options.interval ?? 50;
    this.now = options.now ?? (() => performance.now());
  }

  /** Reads the epoch count and the steps per epoch from `fit`'s params. */
  override async onTrainBegin(): Promise<void> {
    const p = this.params ?? {};
    this.epochs = Number(p.epochs ?? 0);
    if (typeof p.steps === "number" && p.steps > 0) this.steps = p.steps;
    else if (typeof p.samples === "number" && typeof p.batchSize === "number" && p.batchSize > 0) {
      this.steps = Math.ceil(p.samples / p.batchSize);
    } else this.steps = null;
  }

  /** Prints `Epoch N/M` and starts the epoch's clock and running means. */
  override async onEpochBegin(epoch: number): Promise<void> {
    this.stream.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.epochStart = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
    this.prevWidth = 0;
    this.seen = 0;
    this.batches = 0;
    this.sums = new Map();
  }

  /** Adds the batch's logs to the running means and, on a TTY, redraws the bar. */
  override async onBatchEnd(batch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const size = typeof resolved.size === "number" ? resolved.size : 1;
    this.seen += size;
    this.batches = batch + 1;
    for (const [k, v] of Object.entries(resolved)) {
      if (!SKIP_KEYS.has(k)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * size);
    }
    if (!this.tty) return;
    const now = this.now();
    if (now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const current = batch + 1;
    const perStep = (now - this.epochStart) / 1000 / current;
    const means: [string, number][] = [...this.sums].map(([k, s]) => [k, s / this.seen]);
    let info: string;
    if (this.steps !== null && current < this.steps) {
      info = ` ${fmtEta(perStep * (this.steps - current))} ${fmtPerStep(perStep)}`;
    } else {
      info = ` ${((now - this.epochStart) / 1000).toFixed(0)}s ${fmtPerStep(perStep)}`;
    }
    this.draw(`${this.counter(current)}${info}${this.metrics(means)}`, false);
  }

  /** Prints the epoch's final line: elapsed time, time per step and the epoch logs. */
  override async onEpochEnd(_epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const now = this.now();
    const steps = this.steps ?? Math.max(1, this.batches);
    const elapsed = (now - this.epochStart) / 1000;
    const perStep = elapsed / steps;
    const entries = Object.entries(resolved).filter(([k]) => !SKIP_KEYS.has(k));
    // Training metrics first (in the order they were logged), then validation ones.
    entries.sort(([a], [b]) => Number(a.startsWith("val_")) - Number(b.startsWith("val_")));
    if (this.tty) {
      this.draw(
        `${this.counter(steps)} ${elapsed.toFixed(0)}s ${fmtPerStep(perStep)}${this.metrics(entries)}`,
        true,
      );
    } else {
      const n = String(steps).length;
      this.stream.write(
        `${String(steps).padStart(n)}/${steps} - ${elapsed.toFixed(0)}s - ${fmtPerStep(perStep)}${this.metrics(entries)}\n`,
      );
    }
  }

  private counter(current: number): string {
    if (this.steps === null) return `${String(current).padStart(7)}/Unknown`;
    const n = String(this.steps).length;
    const done = Math.min(this.width, Math.floor((this.width * current) / this.steps));
    return `${String(current).padStart(n)}/${this.steps} ${"━".repeat(done)}${"─".repeat(this.width - done)}`;
  }

  private metrics(entries: [string, number][]): string {
    return entries.map(([k, v]) => ` - ${k}: ${fmtMetric(v)}`).join("");
  }

  private draw(line: string, final: boolean): void {
    const pad = this.prevWidth > line.length ? " ".repeat(this.prevWidth - line.length) : "";
    this.stream.write(`\r${line}${pad}${final ? "\n" : ""}`);
    this.prevWidth = line.length;
  }
}
