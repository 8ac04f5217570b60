/**
 * Resumable training: everything needed to continue a run exactly where it
 * stopped, written so that a crash at any moment leaves the previous state
 * intact.
 *
 *     dir/latest.json                  {"format":"graft-training-state","version":1,"state":"state-000004-…"}
 *     dir/state-000004-…/model.weights.h5   model weights, Keras 3 layout (BN moving stats included)
 *     dir/state-000004-…/optimizer.bin      optimizer slots, raw little-endian
 *     dir/state-000004-…/state.json         epoch, best, RNG state, optimizer class, learning rate,
 *                                           iteration count, slot index, caller's extras
 *
 * A save writes a fresh folder, renames it into place, then swaps
 * `latest.json` by temp file + rename; only then are older folders removed.
 *
 * The optimizer part uses tfjs' `optimizer.getWeights()`/`setWeights()` plus
 * the scalars those miss: Adam's `accBeta1`/`accBeta2` running products, which
 * `setWeights` would recompute as `pow(beta, t + 1)` — close, but not bit
 * for bit what continuous training holds. Adamax cannot be restored
 * (tfjs does not implement its `setWeights`).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadWeights, saveWeights, toWriteError, writeFileAtomic } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type { LayersModel } from "@tensorflow/tfjs-layers";
import { argumentError, TrainingError } from "./errors.ts";
import { getLearningRate, setLearningRate } from "./learning-rate.ts";

/** Any value JSON can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** What `saveTrainingState` saves. */
export interface TrainingStateInput {
  /** The model whose weights are saved (Keras 3 layout). */
  model: LayersModel;
  /** Defaults to the compiled model's optimizer. */
  optimizer?: tf.Optimizer;
  /** Epochs completed; resume with `initialEpoch: epoch`. */
  epoch: number;
  /** Best monitored value so far (for ModelCheckpoint/EarlyStopping), or null. */
  best?: number | null;
  /** Any JSON value, typically `SeededRandom.state()`. */
  rngState?: JsonValue;
  /** Anything else the caller wants back (callback counters, config…). */
  extra?: Record<string, JsonValue>;
}

/**
 * What `loadTrainingState` returns; weights and optimizer state go into `target.model` when given.
 */
export interface LoadedTrainingState {
  /** Epochs completed; resume with `initialEpoch: epoch`. */
  epoch: number;
  /** The best monitored value saved, or null. */
  best: number | null;
  /** The RNG state saved, or null. */
  rngState: JsonValue;
  /** The caller's extras; `{}` when none were saved. */
  extra: Record<string, JsonValue>;
  /** ISO time of the save. */
  savedAt: string;
  /** The state folder that was read. */
  path: string;
}

interface SlotRecord {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  byteOffset: number;
  length: number;
}

interface StateFile {
  format: "graft-training-state";
  version: 1;
  epoch: number;
  best: number | null;
  rngState: JsonValue;
  extra: Record<string, JsonValue>;
  savedAt: string;
  optimizer: {
    className: string;
    learningRate: number | null;
    slots: SlotRecord[];
    /** Scalars setWeights does not restore exactly, by field name. */
    scalars: Record<string, number>;
  } | null;
}

const LATEST = "latest.json";
const FORMAT = "graft-training-state";
const EXACT_SCALARS = ["accBeta1", "accBeta2"];

function optimizerOf(model: LayersModel, given?: tf.Optimizer): tf.Optimizer | null {
  return given ?? (model.optimizer as tf.Optimizer | undefined) ?? null;
}

/** Saves a resumable training state into `dir`; returns the state folder written. */
export async function saveTrainingState(dir: string, state: TrainingStateInput): Promise<string> {
  if (!Number.isInteger(state.epoch) || state.epoch < 0) {
    throw argumentError("epoch", "a non-negative integer (epochs completed)", state.epoch);
  }
  mkdirSync(dir, { recursive: true });
  const name = `state-${String(state.epoch).padStart(6, "0")}-${randomBytes(4).toString("hex")}`;
  const tmp = join(dir, `.tmp-${name}`);
  mkdirSync(tmp);
  try {
    await saveWeights(state.model, join(tmp, "model.weights.h5"), { format: "keras3" });
    const optimizer = optimizerOf(state.model, state.optimizer);
    const file: StateFile = {
      format: FORMAT,
      version: 1,
      epoch: state.epoch,
      best: state.best ?? null,
      rngState: state.rngState ?? null,
      extra: state.extra ?? {},
      savedAt: new Date().toISOString(),
      optimizer: null,
    };
    if (optimizer) {
      const named = await optimizer.getWeights();
      const chunks: Uint8Array[] = [];
      const slots: SlotRecord[] = [];
      let offset = 0;
      for (const { name: slotName, tensor } of named) {
        const dtype = tensor.dtype === "int32" ? "int32" : "float32";
        const data =
          dtype === "int32" ? await tensor.data<"int32">() : await tensor.data<"float32">();
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
        chunks.push(bytes);
        slots.push({
          name: slotName,
          shape: tensor.shape,
          dtype,
          byteOffset: offset,
          length: data.length,
        });
        offset += bytes.byteLength;
      }
      // getWeights() makes a fresh scalar for the iteration count; the rest are the live slots.
      if (named[0]?.name === "iter") named[0].tensor.dispose();
      const scalars: Record<string, number> = {};
      const o = optimizer as unknown as Record<string, unknown>;
      for (const key of EXACT_SCALARS) {
        const t = o[key];
        if (t instanceof tf.Tensor) scalars[key] = (await t.data())[0] as number;
      }
      let learningRate: number | null = null;
      try {
        learningRate = getLearningRate(optimizer);
      } catch {
        learningRate = null;
      }
      file.optimizer = { className: optimizer.getClassName(), learningRate, slots, scalars };
      writeFileAtomic(join(tmp, "optimizer.bin"), Buffer.concat(chunks));
    }
    writeFileAtomic(join(tmp, "state.json"), `${JSON.stringify(file, null, 1)}\n`);
    renameSync(tmp, join(dir, name));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw toWriteError(join(dir, name), err, false);
  }
  // The pointer flips last: until then a resume reads the earlier state.
  writeFileAtomic(
    join(dir, LATEST),
    `${JSON.stringify({ format: FORMAT, version: 1, state: name })}\n`,
  );
  // Only now is the old state unreferenced.
  for (const entry of readdirSync(dir)) {
    if (entry !== name && (entry.startsWith("state-") || entry.startsWith(".tmp-state-"))) {
      rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
  return join(dir, name);
}

/** True when `dir` holds a saved training state. */
export function hasTrainingState(dir: string): boolean {
  return existsSync(join(dir, LATEST));
}

/**
 * Reads the latest state in `dir`. With `target.model`, its weights are
 * restored; the optimizer (given, or the compiled model's) gets its slots,
 * iteration count and learning rate back.
 */
export async function loadTrainingState(
  dir: string,
  target: { model?: LayersModel; optimizer?: tf.Optimizer } = {},
): Promise<LoadedTrainingState> {
  let latest: { format?: string; state?: string };
  try {
    latest = JSON.parse(readFileSync(join(dir, LATEST), "utf8"));
  } catch (err) {
    throw new TrainingError(
      "ERR_GRAFT_TRAINING_STATE",
      `No training state in ${dir}: cannot read ${LATEST} (${(err as Error).message})`,
    );
  }
  if (latest.format !== FORMAT || typeof latest.state !== "string") {
    throw new TrainingError(
      "ERR_GRAFT_TRAINING_STATE",
      `${join(dir, LATEST)} is not a graft training state pointer`,
    );
  }
  const path = join(dir, latest.state);
  const file = JSON.parse(readFileSync(join(path, "state.json"), "utf8")) as StateFile;
  if (file.format !== FORMAT || file.version !== 1) {
    throw new TrainingError(
      "ERR_GRAFT_TRAINING_STATE",
      `${path}/state.json: unknown format or version`,
    );
  }
  if (target.model) {
    await loadWeights(target.model, join(path, "model.weights.h5"));
    const optimizer = optimizerOf(target.model, target.optimizer);
    if (file.optimizer && optimizer) await restoreOptimizer(optimizer, file.optimizer, path);
    else if (file.optimizer && !optimizer) {
      throw new TrainingError(
        "ERR_GRAFT_TRAINING_STATE",
        `${path} holds ${file.optimizer.className} state but the model is not compiled and no optimizer was given`,
      );
    }
  } else if (target.optimizer && file.optimizer) {
    await restoreOptimizer(target.optimizer, file.optimizer, path);
  }
  return {
    epoch: file.epoch,
    best: file.best,
    rngState: file.rngState,
    extra: file.extra,
    savedAt: file.savedAt,
    path,
  };
}

async function restoreOptimizer(
  optimizer: tf.Optimizer,
  saved: NonNullable<StateFile["optimizer"]>,
  path: string,
): Promise<void> {
  if (optimizer.getClassName() !== saved.className) {
    throw new TrainingError(
      "ERR_GRAFT_TRAINING_STATE",
      `${path} holds ${saved.className} optimizer state but the optimizer is ${optimizer.getClassName()}`,
    );
  }
  const bin = readFileSync(join(path, "optimizer.bin"));
  const named = saved.slots.map((s) => {
    const bytes = new Uint8Array(s.length * 4);
    bytes.set(bin.subarray(s.byteOffset, s.byteOffset + s.length * 4));
    const data =
      s.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    return { name: s.name, tensor: tf.tensor(data, s.shape, s.dtype) };
  });
  try {
    await optimizer.setWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
  const o = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(saved.scalars)) {
    const v = o[key];
    if (v instanceof tf.Variable) {
      const t = tf.scalar(value, v.dtype);
      v.assign(t);
      t.dispose();
    }
  }
  if (saved.learningRate !== null) setLearningRate(optimizer, saved.learningRate);
}
