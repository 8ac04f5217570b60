/**
 * Keras' MonitorCallback (keras/src/callbacks/monitor_callback.py): which way
 * a monitored quantity should move, and whether a value beats the best so far.
 *
 * `mode: "auto"` follows Keras 2's rule, since tfjs metrics carry no direction:
 * after dropping `val_`, names containing `acc` (acc, accuracy,
 * categorical_accuracy …), `auc`, `precision` or `recall` are maximised and
 * everything else (loss, mse, …) is minimised. (Keras 3 asks the metric object
 * and raises for names it cannot place; graft falls back to "min".)
 *
 * An improvement is strict and at least `minDelta`: `current - minDelta > best`
 * (max) or `current + minDelta < best` (min), compared in float32 as Keras'
 * `ops.less`/`ops.greater` do, so `0.99999999` does not beat `1.0`.
 */
import { argumentError } from "./errors.ts";

/**
 * Whether the monitored quantity should fall (`min`) or rise (`max`); `auto` decides from its name.
 */
export type MonitorMode = "auto" | "min" | "max";

/**
 * The direction `mode` means for `monitor`: `min` and `max` as given, `auto` by the name rule in
 * the module comment. Throws a TrainingError for any other mode.
 */
export function monitorDirection(monitor: string, mode: MonitorMode = "auto"): "min" | "max" {
  if (mode === "min" || mode === "max") return mode;
  if (mode !== "auto") throw argumentError("mode", '"auto", "min" or "max"', mode);
  const name = monitor.startsWith("val_") ? monitor.slice(4) : monitor;
  return /acc|auc|precision|recall/.test(name) ? "max" : "min";
}

/**
 * A monitored quantity, its direction and its minimum improvement; shared by the callbacks that
 * watch a metric.
 */
export class Monitor {
  /** The log key watched, e.g. `val_loss`. */
  readonly monitor: string;
  /** Which way is better, after resolving `auto`. */
  readonly direction: "min" | "max";
  /** Least change that counts as an improvement (absolute value of the option). */
  readonly minDelta: number;

  constructor(monitor: string, mode: MonitorMode = "auto", minDelta = 0) {
    if (typeof monitor !== "string" || monitor === "") {
      throw argumentError("monitor", "a metric name such as val_loss", monitor);
    }
    if (!Number.isFinite(minDelta)) throw argumentError("minDelta", "a finite number", minDelta);
    this.monitor = monitor;
    this.direction = monitorDirection(monitor, mode);
    this.minDelta = Math.abs(minDelta);
  }

  /** True when `current` beats `reference` (always true when there is no reference yet). */
  isImprovement(current: number, reference: number | null): boolean {
    if (reference === null) return true;
    if (this.direction === "min") {
      return Math.fround(current + this.minDelta) < Math.fround(reference);
    }
    return Math.fround(current - this.minDelta) > Math.fround(reference);
  }

  /** The monitored value from resolved logs, or null (with a warning) when absent. */
  valueFrom(logs: Record<string, number>, who: string, warn: (m: string) => void): number | null {
    const v = logs[this.monitor];
    // NaN is a value (it never improves), as in Keras; only a missing key warns.
    if (typeof v !== "number") {
      warn(
        `${who} conditioned on metric \`${this.monitor}\` which is not available. Available metrics are: ${Object.keys(logs).join(",")}`,
      );
      return null;
    }
    return v;
  }
}
