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
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { WeightsError } from "./errors.ts";
import {
  attrNames,
  childDataset,
  childGroup,
  type Dataset,
  type Group,
  type H5File,
  hdf5Quietly,
  isDataset,
  openH5,
  readChunkedStringList,
  readFloat32,
  readStringAttr,
} from "./h5.ts";

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

/** Opens a Keras weight or model file; call `close()` when done. */
export async function openWeights(path: string): Promise<KerasWeightsFile> {
  let head: Buffer;
  try {
    head = readHead(path);
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `Cannot read ${path}: ${(err as Error).message}`,
    );
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return openArchive(path);
  // Checking the signature first keeps libhdf5's diagnostics off stderr for non-HDF5 input.
  if (!head.equals(HDF5_SIGNATURE)) {
    throw new WeightsError(
      "ERR_GRAFT_H5_OPEN",
      `Cannot open ${path} as HDF5: it is neither an HDF5 file nor a .keras archive (wrong signature)`,
    );
  }
  const file = await openH5(path, "r");
  try {
    return quietly(path, "its structure", () => describeH5(path, file));
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
    throw new WeightsError(
      "ERR_GRAFT_H5_READ",
      `Cannot read ${what} in ${path}: ${message.split("\n")[0]} (the file is damaged or not written by Keras)`,
    );
  }
  return result.value;
}

/** JSON from an archive entry, or a coded error naming the file and the entry. */
function parseEntry(path: string, entry: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path}: the entry ${entry} is not valid JSON (${(err as Error).message})`,
    );
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

async function openArchive(path: string): Promise<KerasWeightsFile> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(readFileSync(path));
  } catch (err) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path} is not a valid .keras archive: ${(err as Error).message}`,
    );
  }
  const weights = entries["model.weights.h5"];
  if (!weights) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path} has no model.weights.h5 entry (not a Keras 3 .keras file?)`,
    );
  }
  const config = entries["config.json"]
    ? parseEntry(path, "config.json", entries["config.json"])
    : null;
  const parsed = entries["metadata.json"]
    ? parseEntry(path, "metadata.json", entries["metadata.json"])
    : {};
  const metadata = (parsed !== null && typeof parsed === "object" ? parsed : {}) as {
    keras_version?: string;
    graft?: unknown;
  };
  // h5wasm opens files by path only, so the inner HDF5 file goes to a private temp folder.
  const dir = mkdtempSync(join(tmpdir(), "graft-keras-"));
  const inner = join(dir, "model.weights.h5");
  writeFileSync(inner, weights);
  let file: H5File;
  try {
    file = await openH5(inner, "r");
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new WeightsError(
      "ERR_GRAFT_H5_OPEN",
      `${path}: its model.weights.h5 entry is not a readable HDF5 file (${(err as Error).message.replace(inner, "the entry")})`,
    );
  }
  try {
    const d = quietly(path, "model.weights.h5", () =>
      describeKeras3(path, file, "keras3-archive", config as never, metadata.keras_version ?? null),
    );
    const graft = metadata.graft;
    return {
      ...d,
      graftMetadata: objectOrNull(graft),
      close() {
        d.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    file.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function describeH5(path: string, file: H5File): KerasWeightsFile {
  const rootAttrs = attrNames(file);
  const hasLayerNames = rootAttrs.includes("layer_names") || rootAttrs.includes("layer_names0");
  if (!hasLayerNames && childGroup(file, "model_weights")) {
    return describeLegacy(path, file, childGroup(file, "model_weights") as Group, true);
  }
  if (hasLayerNames) return describeLegacy(path, file, file, false);
  if (childGroup(file, "layers") || childGroup(file, "vars")) {
    return describeKeras3(path, file, "keras3", null, null);
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
  try {
    return JSON.parse(s);
  } catch {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_READ",
      `${path}: attribute ${name} is not valid JSON`,
    );
  }
}

function describeLegacy(path: string, file: H5File, root: Group, full: boolean): KerasWeightsFile {
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
    const weightNames = readChunkedStringList(group, "weight_names") ?? [];
    const weights = weightNames.map((wname) => {
      const ds = childDataset(group, wname);
      if (!ds) {
        throw new WeightsError(
          "ERR_GRAFT_WEIGHTS_LAYOUT",
          `${path}: layer "${name}" lists weight "${wname}" but there is no such dataset`,
        );
      }
      return storedWeight(ds, wname, `${name}/${wname} in ${path}`);
    });
    return { name, key: name, weights };
  });
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

function storedWeight(ds: Dataset, name: string, where: string): StoredWeight {
  const shape = ds.shape ?? [];
  const dtype = dtypeName(ds);
  return {
    name,
    shape,
    dtype,
    read: () => quietly(where, `weight ${name}`, () => readFloat32(ds, where)),
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
): KerasWeightsFile {
  const layers: StoredLayer[] = [];
  let named = true;
  const walk = (group: Group, prefix: string) => {
    for (const key of group.keys().sort(naturalCompare)) {
      const sub = childGroup(group, key);
      if (!sub) continue;
      const keyPath = `${prefix}${key}`;
      const vars = childGroup(sub, "vars");
      if (vars) {
        const indices = vars
          .keys()
          .filter((k) => /^\d+$/.test(k))
          .sort((x, y) => Number(x) - Number(y));
        const weights = indices.map((i) => {
          const ds = vars.get(i);
          if (!isDataset(ds)) {
            throw new WeightsError(
              "ERR_GRAFT_WEIGHTS_LAYOUT",
              `${path}: ${keyPath}/vars/${i} is not a dataset`,
            );
          }
          return storedWeight(ds, `vars/${i}`, `${keyPath}/vars/${i} in ${path}`);
        });
        const name = readStringAttr(vars, "name");
        if (name === null) named = false;
        layers.push({ name: name ?? key, key: keyPath, weights });
      }
      const nested = childGroup(sub, "layers");
      if (nested) walk(nested, `${keyPath}/layers/`);
    }
  };
  const top = childGroup(file, "layers");
  if (top) walk(top, "layers/");
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
