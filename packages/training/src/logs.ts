/**
 * tfjs-layers hands callbacks "unresolved" logs: validation metrics (and, on
 * some paths, training ones) are still scalar tensors. Callbacks that read a
 * value resolve them in place, as tfjs' own EarlyStopping does, so every later
 * callback sees plain numbers.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** Epoch or batch logs with every value a number: metric name → value. */
export type Logs = Record<string, number>;
/** Logs as tfjs-layers passes them to callbacks: some values may still be scalar tensors. */
export type UnresolvedLogs = Record<string, number | tf.Tensor>;

/**
 * Turns every tensor in `logs` into a number, in place (disposing the tensor), and returns
 * them; `{}` for undefined.
 */
export async function resolveLogs(logs: UnresolvedLogs | undefined): Promise<Logs> {
  if (!logs) return {};
  for (const key of Object.keys(logs)) {
    const v = logs[key];
    if (typeof v !== "number" && v !== undefined) {
      const data = await v.data();
      logs[key] = Number(data[0]);
      v.dispose();
    }
  }
  return logs as Logs;
}
