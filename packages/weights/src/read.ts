/**
 * Opens any Keras weight file and presents it as an ordered list of layers with
 * lazily read weights, whatever layout wrote it:
 *
 *  - keras1         root `layer_names` only; datasets directly in the layer group
 *                   (`block1_conv1_W_1:0`), the layout of the official VGG files
 *  - keras2         `save_weights`: root `layer_names`, `keras_version` 2.x
 *  - keras2-full    `model.save`: the same under `/model_weights`, plus `model_config`
 *  - keras3-legacy  Keras 3's legacy `.h5` writer (names without `:0`), weights-only or full
 *  - keras3         `.weights.h5`: `layers/<snake_case_class>[_N]/vars/<i>`
 *  - keras3-archive `.keras` zip: config.json + model.weights.h5
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { WeightsError } from "./errors.ts";
import {
  attrNames,
  childDataset,
  childGroup,
  type Dataset,
  type Group,
  type H5File,
  hdf5Failure,
  hdf5Quietly,
  isDataset,
  isGroup,
  openH5,
  readChunkedStringList,
  readFloat32,
  readStringAttr,
} from "./h5.ts";
import { probeH5 } from "./probe.ts";
import { ZipArchive } from "./zip.ts";

/**
 * Which writer made a Keras weight file; the layouts are listed at the top of this module's source.
 */
export type WeightLayout =
  | "keras1"
  | "keras2"
  | "keras2-full"
  | "keras3-legacy"
  | "keras3-legacy-full"
  | "keras3"
  | "keras3-archive";

/** One weight array in a Keras file, read on demand. */
export interface StoredWeight {
  /** The name the file gives the weight (`block1_conv1_W_1:0`, `dense/kernel:0`, `vars/0`). */
  readonly name: string;
  /** Its shape, as stored (Keras' order: a conv kernel is [kh, kw, in, out]). */
  readonly shape: number[];
  /** NumPy's name for the stored type: float32, float64, bfloat16, … */
  readonly dtype: string;
  /** Reads the array as float32 (converting float64/int/bfloat16 storage). */
  read(): Float32Array;
}

/** One layer of a Keras weight file, with its weights in the order Keras stores them. */
export interface StoredLayer {
  /** Layer name (for Keras 3 files: the `name` attribute of `vars` when present, else the key). */
  readonly name: string;
  /** Where the layer lives in the file: group name, or `layers/conv2d_1` for Keras 3. */
  readonly key: string;
  /** Its weights; empty for a weightless layer such as a pooling layer. */
  readonly weights: StoredWeight[];
}

/** An opened Keras weight or model file, as `openWeights` returns it. */
export interface KerasWeightsFile {
  /** The path it was opened from. */
  readonly path: string;
  /** Which writer made it. */
  readonly layout: WeightLayout;
  /** The `keras_version` it records; null for Keras 1 files, which record none. */
  readonly kerasVersion: string | null;
  /** The `backend` it records (`tensorflow`, …); null when absent. */
  readonly backend: string | null;
  /** Parsed `model_config` (h5) or `config.json` (.keras); null for weights-only files. */
  readonly modelConfig: unknown;
  /** Parsed `training_config`, when the model was saved compiled. */
  readonly trainingConfig: unknown;
  /**
   * What graft stored beside the model (`saveKerasModel`'s `metadata`: class names,
   * preprocessing): the `graft_metadata` attribute of an h5 file or the `graft` key of a
   * `.keras` archive's metadata.json. Keras ignores both. Null when absent.
   */
  readonly graftMetadata: Record<string, unknown> | null;
  /** Every layer the file lists, weightless ones included, in file order. */
  readonly layers: StoredLayer[];
  /** Keras 3 files only: true when every `vars` group carries its layer's `name` (Keras ≥ 3.6). */
  readonly hasLayerNames: boolean;
  /** Closes the file; its weights cannot be read afterwards. */
  close(): void;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Limits that keep a damaged or hostile file from taking the process's memory or time. */
export interface OpenWeightsOptions {
  /**
   * The most bytes one weight, attribute or archive entry may claim before graft allocates
   * it. Default: half the machine's memory, at most 2 GiB (the reach of h5wasm's memory).
   */
  maxBytes?: number;
  /**
   * The longest that opening the file and reading through the handle may take, in ms,
   * before ERR_GRAFT_TIMEOUT; it counts from the open. Default 600000 (10 minutes). The
   * walk of an HDF5 file's structure, done first in a worker thread that is stopped when
   * it overruns (the only way to stop libhdf5 looping on a damaged file), gets at most 60 s.
   */
  timeLimitMs?: number;
}

/** The per-read memory limit `openWeights` uses unless told otherwise. */
export const DEFAULT_MAX_BYTES = Math.min(Math.floor(totalmem() / 2), 2 ** 31);
/** The per-file time limit `openWeights` uses unless told otherwise. */
export const DEFAULT_TIME_LIMIT_MS = 600_000;
/** Walking the structure of any real Keras file takes well under a second. */
const PROBE_LIMIT_MS = 60_000;
/** config.json of the largest Keras application is well under 1 MB. */
const MAX_JSON_BYTES = 64 << 20;
/** Keras configs nest a few levels per nested model; hundreds means a crafted file. */
const MAX_JSON_DEPTH = 256;

/** Throws ERR_GRAFT_TIMEOUT, naming the file and the step, once the time limit has passed. */
type Deadline = (step: string) => void;

function deadlineFor(path: string, limitMs: number): Deadline {
  const until = Date.now() + limitMs;
  return (step) => {
    if (Date.now() > until) {
      throw new WeightsError(
        "ERR_GRAFT_TIMEOUT",
        `${path}: reading took longer than the time limit of ${(limitMs / 1000).toFixed(1)} s (at ${step})`,
      );
    }
  };
}

/** Opens a Keras weight or model file; call `close()` when done. */
export async function openWeights(
  path: string,
  options: OpenWeightsOptions = {},
): Promise<KerasWeightsFile> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const deadline = deadlineFor(path, timeLimitMs);
  let head: Buffer;
  try {
    head = readHead(path);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `Cannot read ${path}: ${(err as Error).message}`,
    );
  }
  if (head[0] === 0x50 && head[1] === 0x4b)
    return openArchive(path, maxBytes, deadline, timeLimitMs);
  // Checking the signature first keeps libhdf5's diagnostics off stderr for non-HDF5 input.
  if (!head.equals(HDF5_SIGNATURE)) {
    throw new WeightsError(
      "ERR_GRAFT_H5_OPEN",
      `Cannot open ${path} as HDF5: it is neither an HDF5 file nor a .keras archive (wrong signature)`,
    );
  }
  // The structure is walked first in a worker with the time limit: a damaged file can send
  // libhdf5 into an endless loop or an abort, which only a worker can survive.
  await probeH5(path, path, Math.min(timeLimitMs, PROBE_LIMIT_MS));
  const file = await openH5(path, "r", { path, fileSize: statSync(path).size, maxBytes });
  try {
    return quietly(path, "its structure", () => describeH5(path, file, deadline));
  } catch (err) {
    hdf5Quietly(() => file.close());
    throw err;
  }
}

/**
 * Runs synchronous h5wasm reads with HDF5's diagnostics held back, and turns whatever
 * h5wasm or the wasm module throws (`error - name not defined!`, an abort) into a coded
 * error that names the file and what was being read.
 */
function quietly<T>(path: string, what: string, f: () => T): T {
  let result: { value: T; diagnostics: string };
  try {
    result = hdf5Quietly(f);
  } catch (err) {
    if (err instanceof WeightsError && err.message.includes(path)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const printed = (err as { diagnostics?: unknown } | null)?.diagnostics;
    const cause = typeof printed === "string" ? hdf5Failure(printed) : null;
    throw new WeightsError(
      "ERR_GRAFT_H5_READ",
      `Cannot read ${what} in ${path}: ${message.split("\n")[0]}${cause ? ` (${cause})` : ""} (the file is damaged or not written by Keras)`,
    );
  }
  // h5wasm can return (an empty listing, a short read) where libhdf5 printed an error.
  const failure = hdf5Failure(result.diagnostics);
  if (failure)
    throw new WeightsError(
      "ERR_GRAFT_H5_READ",
      `Cannot read ${what} in ${path}: ${failure} (the file is damaged or not written by Keras)`,
    );
  return result.value;
}

/** JSON from an archive entry, or a coded error naming the file and the entry. */
function parseEntry(path: string, entry: string, bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path}: the entry ${entry} is not valid JSON (${(err as Error).message})`,
    );
  }
  checkDepth(value, `${path}: the entry ${entry}`);
  return value;
}

/** Refuses JSON nested deeper than MAX_JSON_DEPTH, which would overflow recursive readers. */
function checkDepth(value: unknown, where: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_READ",
        `${where} nests JSON more than ${MAX_JSON_DEPTH} levels deep (a damaged or crafted file)`,
      );
    }
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** The first bytes only: a zip starts with "PK", HDF5 with "\x89HDF". */
function readHead(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8);
    readSync(fd, buf, 0, 8, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

async function openArchive(
  path: string,
  maxBytes: number,
  deadline: Deadline,
  timeLimitMs: number,
): Promise<KerasWeightsFile> {
  let zip: ZipArchive;
  try {
    zip = ZipArchive.open(path);
  } catch (err) {
    if (err instanceof WeightsError) throw err;
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path} is not a valid .keras archive: ${(err as Error).message}`,
    );
  }
  let config: unknown = null;
  let metadata: { keras_version?: string; graft?: unknown } = {};
  // h5wasm opens files by path only, so the inner HDF5 file goes to a private temp folder.
  const dir = mkdtempSync(join(tmpdir(), "graft-keras-"));
  const inner = join(dir, "model.weights.h5");
  let file: H5File | undefined;
  try {
    if (!zip.entries.has("model.weights.h5")) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_READ",
        `${path} has no model.weights.h5 entry (not a Keras 3 .keras file?)`,
      );
    }
    if (zip.entries.has("config.json")) {
      config = parseEntry(path, "config.json", zip.read("config.json", MAX_JSON_BYTES));
    }
    if (zip.entries.has("metadata.json")) {
      const parsed = parseEntry(path, "metadata.json", zip.read("metadata.json", MAX_JSON_BYTES));
      if (parsed !== null && typeof parsed === "object") metadata = parsed as typeof metadata;
    }
    deadline("its config");
    const out = openSync(inner, "wx", 0o600);
    try {
      zip.extract("model.weights.h5", out, {
        head: HDF5_SIGNATURE,
        maxBytes,
        step: () => deadline("the entry model.weights.h5"),
      });
    } finally {
      closeSync(out);
    }
    const where = `${path} (entry model.weights.h5)`;
    await probeH5(inner, where, Math.min(timeLimitMs, PROBE_LIMIT_MS));
    try {
      file = await openH5(inner, "r", { path: where, fileSize: statSync(inner).size, maxBytes });
    } catch (err) {
      throw new WeightsError(
        "ERR_GRAFT_H5_OPEN",
        `${path}: its model.weights.h5 entry is not a readable HDF5 file (${(err as Error).message.replace(inner, "the entry")})`,
      );
    }
    const h5 = file;
    const kerasVersion = typeof metadata.keras_version === "string" ? metadata.keras_version : null;
    const d = quietly(path, "model.weights.h5", () =>
      describeKeras3(where, h5, "keras3-archive", config as never, kerasVersion, deadline),
    );
    return {
      ...d,
      path,
      graftMetadata: objectOrNull(metadata.graft),
      close() {
        d.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (file) hdf5Quietly(() => file?.close());
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof WeightsError) throw err;
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `Cannot read ${path}: ${(err as Error).message}`,
    );
  } finally {
    zip.close();
  }
}

function describeH5(path: string, file: H5File, deadline: Deadline): KerasWeightsFile {
  const rootAttrs = attrNames(file);
  const hasLayerNames = rootAttrs.includes("layer_names") || rootAttrs.includes("layer_names0");
  if (!hasLayerNames && childGroup(file, "model_weights")) {
    return describeLegacy(path, file, childGroup(file, "model_weights") as Group, true, deadline);
  }
  if (hasLayerNames) return describeLegacy(path, file, file, false, deadline);
  if (childGroup(file, "layers") || childGroup(file, "vars")) {
    return describeKeras3(path, file, "keras3", null, null, deadline);
  }
  throw new WeightsError(
    "ERR_GRAFT_WEIGHTS_LAYOUT",
    `${path} is HDF5 but not a Keras weight file: no layer_names attribute, model_weights group or layers group`,
  );
}

function objectOrNull(x: unknown): Record<string, unknown> | null {
  return typeof x === "object" && x !== null && !Array.isArray(x)
    ? (x as Record<string, unknown>)
    : null;
}

function parseJsonAttr(obj: Group, name: string, path: string): unknown {
  const s = readStringAttr(obj, name);
  if (s === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path}: attribute ${name} is not valid JSON (${(err as Error).message})`,
    );
  }
  checkDepth(value, `${path}: attribute ${name}`);
  return value;
}

function describeLegacy(
  path: string,
  file: H5File,
  root: Group,
  full: boolean,
  deadline: Deadline,
): KerasWeightsFile {
  const layerNames = readChunkedStringList(root, "layer_names") ?? [];
  const kerasVersion =
    readStringAttr(root, "keras_version") ?? readStringAttr(file, "keras_version");
  const backend = readStringAttr(root, "backend") ?? readStringAttr(file, "backend");
  const major = kerasVersion === null ? 1 : Number.parseInt(kerasVersion, 10);
  let layout: WeightLayout;
  if (kerasVersion === null) layout = "keras1";
  else if (major >= 3) layout = full ? "keras3-legacy-full" : "keras3-legacy";
  else layout = full ? "keras2-full" : "keras2";

  const layers: StoredLayer[] = layerNames.map((name) => {
    const group = childGroup(root, name);
    if (!group) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_LAYOUT",
        `${path}: layer_names lists "${name}" but the file has no group of that name`,
      );
    }
    deadline(`layer ${name}`);
    const listed = readChunkedStringList(group, "weight_names");
    // Keras writes weight_names for every layer, empty for weightless ones; without it the
    // attribute was lost, and with it the layer's weights, which must not vanish quietly.
    if (listed === null) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_LAYOUT",
        `${path}: layer "${name}" has no weight_names attribute, which Keras writes for every layer (the file is damaged)`,
      );
    }
    const weightNames = listed ?? [];
    const weights = weightNames.map((wname) => {
      const ds = childDataset(group, wname);
      if (!ds) {
        throw new WeightsError(
          "ERR_GRAFT_WEIGHTS_LAYOUT",
          `${path}: layer "${name}" lists weight "${wname}" but there is no such dataset`,
        );
      }
      return storedWeight(ds, wname, `${name}/${wname} in ${path}`, deadline);
    });
    // Keras stores exactly the weights weight_names lists under the layer's group: a dataset
    // it leaves out means the list lost a name (a shortened dimension, a rank turned scalar),
    // and the weight would be dropped without a word.
    const unlisted = firstUnlistedDataset(group, new Set(weightNames), deadline);
    if (unlisted !== null) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_LAYOUT",
        `${path}: layer "${name}" holds the dataset "${unlisted}" but its weight_names (${weightNames.length} listed) does not name it (the file is damaged)`,
      );
    }
    return { name, key: name, weights };
  });
  // Every layer group is listed in layer_names (Keras 2.x adds top_level_model_weights,
  // which is not): a group left out means the list lost names, and with them weights.
  const named = new Set(layerNames);
  for (const key of root.keys()) {
    if (named.has(key) || key === "top_level_model_weights") continue;
    const group = childGroup(root, key);
    if (group && (readChunkedStringList(group, "weight_names")?.length ?? 0) > 0) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_LAYOUT",
        `${path}: the group "${key}" holds weights but layer_names does not list it (the file is damaged)`,
      );
    }
  }
  return {
    path,
    layout,
    kerasVersion,
    backend,
    modelConfig: full ? parseJsonAttr(file, "model_config", path) : null,
    trainingConfig: full ? parseJsonAttr(file, "training_config", path) : null,
    graftMetadata: objectOrNull(parseJsonAttr(file, "graft_metadata", path)),
    layers,
    hasLayerNames: true,
    close: () => void file.close(),
  };
}

/** Deepest nesting a layer group's weights use (Keras 2 nests models in models). */
const MAX_WEIGHT_DEPTH = 16;

/**
 * The first dataset below `group` (its path relative to it) that `listed` does not name, or
 * null. Depth-bounded and under the deadline: a damaged file can link a group into itself.
 */
function firstUnlistedDataset(
  group: Group,
  listed: Set<string>,
  deadline: Deadline,
): string | null {
  const walk = (g: Group, prefix: string, depth: number): string | null => {
    if (depth > MAX_WEIGHT_DEPTH) return null;
    for (const key of g.keys()) {
      deadline(`the datasets of ${group.path}`);
      const rel = prefix === "" ? key : `${prefix}/${key}`;
      const child = g.get(key);
      if (isDataset(child)) {
        if (!listed.has(rel)) return rel;
      } else if (isGroup(child)) {
        const found = walk(child, rel, depth + 1);
        if (found !== null) return found;
      }
    }
    return null;
  };
  return walk(group, "", 0);
}

const DTYPE_NAMES: Record<string, string> = {
  "<f": "float32",
  "<d": "float64",
  "<e": "float16",
  "<i": "int32",
  "<q": "int64",
  "<h": "int16",
  "<H": "uint16",
  "<I": "uint32",
  "<Q": "uint64",
  "<b": "int8",
  "<B": "uint8",
};

/** NumPy's name for an HDF5 element type (bfloat16 is uint16 storage tagged by Keras 3). */
function dtypeName(ds: Dataset): string {
  if (readStringAttr(ds, "dtype") === "bfloat16") return "bfloat16";
  const raw = typeof ds.dtype === "string" ? ds.dtype : JSON.stringify(ds.dtype);
  return DTYPE_NAMES[raw] ?? raw;
}

function storedWeight(ds: Dataset, name: string, where: string, deadline: Deadline): StoredWeight {
  const shape = ds.shape ?? [];
  const dtype = dtypeName(ds);
  return {
    name,
    shape,
    dtype,
    read: () => {
      deadline(`weight ${where}`);
      const values = quietly(where, `weight ${name}`, () => readFloat32(ds, where));
      deadline(`weight ${where}`);
      return values;
    },
  };
}

/** Natural order for Keras 3 keys: conv2d, conv2d_1, conv2d_2, …, conv2d_10. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

function describeKeras3(
  path: string,
  file: H5File,
  layout: WeightLayout,
  config: unknown,
  kerasVersion: string | null,
  deadline: Deadline,
): KerasWeightsFile {
  const layers: StoredLayer[] = [];
  let named = true;
  const damaged = (what: string) =>
    new WeightsError("ERR_GRAFT_WEIGHTS_LAYOUT", `${path}: ${what} (the file is damaged)`);
  const walk = (group: Group, prefix: string, depth: number) => {
    if (depth > 64) throw damaged(`${prefix} nests layers more than 64 deep`);
    for (const key of group.keys().sort(naturalCompare)) {
      deadline(`${prefix}${key}`);
      const keyPath = `${prefix}${key}`;
      // Keras 3 writes a group for every layer, each with a vars group (empty when weightless).
      const sub = childGroup(group, key);
      if (!sub) throw damaged(`${keyPath} is listed but is not a readable group`);
      const vars = childGroup(sub, "vars");
      if (!vars && !childGroup(sub, "layers")) throw damaged(`${keyPath} has no vars group`);
      if (vars) {
        const keys = vars.keys();
        const indices = keys.filter((k) => /^\d+$/.test(k)).sort((x, y) => Number(x) - Number(y));
        if (indices.length !== keys.length || indices.some((k, i) => Number(k) !== i)) {
          throw damaged(`${keyPath}/vars holds ${JSON.stringify(keys.slice(0, 8))}, not 0…n-1`);
        }
        const weights = indices.map((i) => {
          const ds = vars.get(i);
          if (!isDataset(ds)) {
            throw new WeightsError(
              "ERR_GRAFT_WEIGHTS_LAYOUT",
              `${path}: ${keyPath}/vars/${i} is not a dataset`,
            );
          }
          return storedWeight(ds, `vars/${i}`, `${keyPath}/vars/${i} in ${path}`, deadline);
        });
        const name = readStringAttr(vars, "name");
        if (name === null) named = false;
        layers.push({ name: name ?? key, key: keyPath, weights });
      }
      const nested = childGroup(sub, "layers");
      if (nested) walk(nested, `${keyPath}/layers/`, depth + 1);
    }
  };
  const top = childGroup(file, "layers");
  // Keras 3 always writes layers/ (a model has layers); a file with vars/ alone lost it.
  if (!top) throw damaged("it has no layers group");
  walk(top, "layers/", 0);
  return {
    path,
    layout,
    kerasVersion,
    backend: null,
    modelConfig: config,
    trainingConfig: null,
    graftMetadata: null,
    layers,
    hasLayerNames: named,
    close: () => void file.close(),
  };
}
