/**
 * Runs the HDF5 probe (h5-probe.mjs) in a worker thread with a time limit: the one way to
 * stop a libhdf5 call that a damaged file sends into an endless loop, since wasm cannot be
 * interrupted on its own thread. One worker serves every probe; it is replaced after a
 * timeout or a wasm abort, and unref'd so it never keeps the process alive.
 */
import { Worker } from "node:worker_threads";
import { WeightsError } from "./errors.ts";
import { hdf5Failure } from "./h5.ts";

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  aborted?: boolean;
  /** What libhdf5 printed during a walk that returned (the first 16 KiB). */
  diagnostics?: string;
}

let worker: Worker | undefined;
let nextId = 0;
/** The probes each worker owes an answer to. */
const owed = new WeakMap<Worker, Map<number, (r: Reply) => void>>();

function getWorker(): Worker {
  if (worker) return worker;
  // No piped stdout/stderr: their ports would keep the process alive; the probe is silent.
  const w = new Worker(new URL("./h5-probe.mjs", import.meta.url));
  const waiting = new Map<number, (r: Reply) => void>();
  owed.set(w, waiting);
  w.on("message", (r: Reply) => {
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  const fail = (message: string) => {
    if (worker === w) worker = undefined;
    for (const [id, resolve] of waiting) resolve({ id, ok: false, message, aborted: true });
    waiting.clear();
  };
  w.on("error", (err) => fail(err.message));
  w.on("exit", () => fail("the HDF5 probe ended"));
  w.unref();
  worker = w;
  return w;
}

function stop(w: Worker): void {
  if (worker === w) worker = undefined;
  void w.terminate();
}

/**
 * Checks that libhdf5 can walk the whole structure of `path` (every group, attribute and
 * dataset description) within `timeLimitMs`; throws a coded error naming `label` otherwise.
 */
export async function probeH5(path: string, label: string, timeLimitMs: number): Promise<void> {
  const w = getWorker();
  const id = nextId++;
  let timer: NodeJS.Timeout | undefined;
  const waiting = owed.get(w) as Map<number, (r: Reply) => void>;
  const reply = await new Promise<Reply | "timeout">((resolve) => {
    waiting.set(id, resolve);
    timer = setTimeout(() => resolve("timeout"), timeLimitMs);
    w.ref();
    w.postMessage({ id, path });
  }).finally(() => {
    clearTimeout(timer);
    waiting.delete(id);
    w.unref();
  });
  if (reply === "timeout") {
    stop(w);
    throw new WeightsError(
      "ERR_GRAFT_TIMEOUT",
      `${label}: reading its HDF5 structure took longer than the time limit of ${(timeLimitMs / 1000).toFixed(1)} s (the file is damaged)`,
    );
  }
  // A walk can return with HDF5's error stack printed (a listing h5wasm left empty).
  const failure = reply.ok ? hdf5Failure(reply.diagnostics ?? "") : null;
  if (failure) reply.message = failure;
  if (!reply.ok || failure) {
    if (reply.aborted) stop(w);
    throw new WeightsError(
      "ERR_GRAFT_H5_READ",
      `${label}: its HDF5 structure cannot be read (${reply.message}; the file is damaged or not written by Keras)`,
    );
  }
}
