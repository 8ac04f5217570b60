/**
 * A small progress bar for long jobs: downloads (bytes) and training loops (steps).
 *
 * On a TTY it redraws one line in place, at most every `redrawIntervalMs`:
 *
 *   vgg19_weights…notop.h5 [=========>          ] 41.2/80.1 MB  51%  12.3 MB/s  ETA 0:03
 *
 * Elsewhere (CI logs, files, pipes) it prints a plain line at most every
 * `plainIntervalMs`, plus one when finished, so logs stay short.
 */

/** The part of a writable stream the bar needs; `process.stderr` fits. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of `ProgressBar`; all optional. */
export interface ProgressBarOptions {
  /** The amount that means 100%; leave it out when unknown (no percent, no ETA). */
  total?: number | undefined;
  /** Text before the bar, e.g. a file name or "epoch 3/10". */
  label?: string;
  /** `bytes` prints kB/MB/GB and MB/s; `items` prints plain counts and it/s. Default `bytes`. */
  unit?: "bytes" | "items";
  /** Where to draw. Default `process.stderr`. */
  stream?: ProgressStream;
  /** Draw in place with `\r`? Default: whether `stream` is a TTY. */
  tty?: boolean;
  /** Least time between two redraws on a TTY. Default 100 ms. */
  redrawIntervalMs?: number;
  /** Least time between two plain lines when not on a TTY. Default 5000 ms. */
  plainIntervalMs?: number;
  /** Clock in milliseconds, for tests. Default `performance.now`. */
  now?: () => number;
}

const BAR_WIDTH_MAX = 30;
const BAR_WIDTH_MIN = 10;

/**
 * A progress bar for a download or a loop: redrawn in place on a TTY, a plain line
 * at most every `plainIntervalMs` elsewhere (see the module comment).
 */
export class ProgressBar {
  /** Text before the bar. */
  readonly label: string;
  /** How amounts print: `bytes` (kB/MB/GB, MB/s) or `items` (counts, it/s). */
  readonly unit: "bytes" | "items";
  /** Whether it redraws one line in place (`\r`) rather than printing plain lines. */
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private readonly redrawIntervalMs: number;
  private readonly plainIntervalMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private totalValue: number | undefined;
  private currentValue = 0;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private lastLineLength = 0;
  private finished = false;

  constructor(options: ProgressBarOptions = {}) {
    checkAmount("total", options.total, true);
    this.label = options.label ?? "";
    this.unit = options.unit ?? "bytes";
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.redrawIntervalMs = options.redrawIntervalMs ?? 100;
    this.plainIntervalMs = options.plainIntervalMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
    this.totalValue = options.total;
    this.startedAt = this.now();
  }

  /** The amount done so far. */
  get current(): number {
    return this.currentValue;
  }

  /** The amount that means 100%; undefined while unknown. */
  get total(): number | undefined {
    return this.totalValue;
  }

  /** Sets or clears the total, e.g. once a Content-Length arrives. */
  setTotal(total: number | undefined): void {
    checkAmount("total", total, true);
    this.totalValue = total;
  }

  /** Moves to an absolute position and redraws if enough time has passed. */
  update(current: number): void {
    checkAmount("current", current, false);
    if (this.finished) return;
    this.currentValue = current;
    const t = this.now();
    const interval = this.tty ? this.redrawIntervalMs : this.plainIntervalMs;
    if (t - this.lastDrawAt >= interval) this.draw(t, false);
  }

  /** Advances by `delta` (default 1). */
  tick(delta = 1): void {
    this.update(this.currentValue + delta);
  }

  /** Draws the final state and ends the line. Later calls do nothing. */
  finish(): void {
    if (this.finished) return;
    this.draw(this.now(), true);
    this.finished = true;
  }

  /** Ends a TTY line without claiming completion (after an error), so later output starts clean. */
  stop(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty && this.lastLineLength > 0) this.stream.write("\n");
  }

  /** The text of the current state, without `\r` or newline. */
  render(): string {
    return this.compose(this.now());
  }

  private draw(t: number, final: boolean): void {
    this.lastDrawAt = t;
    const line = this.compose(t);
    if (this.tty) {
      // Pad over the previous line in case it was longer; cheaper than relying on ANSI support.
      const pad = " ".repeat(Math.max(0, this.lastLineLength - line.length));
      this.stream.write(`\r${line}${pad}${final ? "\n" : ""}`);
      this.lastLineLength = final ? 0 : line.length;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  private compose(t: number): string {
    const total = this.totalValue;
    const current = this.currentValue;
    const elapsedS = Math.max(0, (t - this.startedAt) / 1000);
    const rate = elapsedS > 0 ? current / elapsedS : 0;
    const parts: string[] = [];
    if (this.label) parts.push(this.label);

    if (total !== undefined && this.tty) {
      const width = this.barWidth();
      const fraction = total > 0 ? Math.min(1, current / total) : 1;
      const filled = Math.floor(fraction * width);
      const head = filled < width ? ">" : "";
      parts.push(`[${"=".repeat(filled)}${head}${" ".repeat(width - filled - head.length)}]`);
    }

    parts.push(
      total === undefined
        ? this.formatAmount(current)
        : this.unit === "bytes"
          ? formatBytesPair(current, total)
          : `${current}/${total}`,
    );
    if (total !== undefined) {
      const percent = total > 0 ? Math.min(100, Math.floor((current / total) * 100)) : 100;
      parts.push(`${String(percent).padStart(3)}%`);
    }
    parts.push(this.unit === "bytes" ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)} it/s`);
    if (total !== undefined && current < total) {
      parts.push(rate > 0 ? `ETA ${formatDuration((total - current) / rate)}` : "ETA --:--");
    } else {
      parts.push(`in ${formatDuration(elapsedS)}`);
    }
    return parts.join("  ");
  }

  private barWidth(): number {
    const columns = this.stream.columns;
    if (columns === undefined) return BAR_WIDTH_MAX;
    // Leave room for label and about 50 characters of figures.
    const room = columns - this.label.length - 52;
    return Math.max(BAR_WIDTH_MIN, Math.min(BAR_WIDTH_MAX, room));
  }

  private formatAmount(n: number): string {
    return this.unit === "bytes" ? formatBytes(n) : String(n);
  }
}

function checkAmount(name: string, value: number | undefined, optional: boolean): void {
  if (value === undefined && optional) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`Expected a finite number >= 0 for ${name} but received ${String(value)}`);
  }
}

const UNITS = ["B", "kB", "MB", "GB", "TB"] as const;

/** Decimal units, as download tools and disk vendors use: 80134624 → "80.1 MB". */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "41.2/80.1 MB": both amounts in the total's unit, so the pair reads at a glance. */
function formatBytesPair(current: number, total: number): string {
  const totalText = formatBytes(total);
  const unitIndex = UNITS.findIndex((u) => totalText.endsWith(` ${u}`));
  if (unitIndex <= 0) return `${current}/${total} B`;
  const scale = 1000 ** unitIndex;
  const digits = total / scale >= 100 ? 0 : 1;
  return `${(current / scale).toFixed(digits)}/${totalText}`;
}

/** Seconds as m:ss, or h:mm:ss from an hour on. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
