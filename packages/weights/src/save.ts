/**
 * Writes a tfjs-layers model's weights in Keras' own layouts, so that Python
 * Keras loads them: the Keras 2 `save_weights` layout (`.h5`) and Keras 3's
 * `.weights.h5`. Files appear atomically (see atomic.ts).
 */
import type { LayersModel } from "@tensorflow/tfjs-layers";
import h5wasm from "h5wasm/node";
import { replaceAtomic } from "./atomic.ts";
import {
  type Group,
  type H5File,
  h5Ready,
  hdf5Cause,
  hdf5Quietly,
  mustCreateDataset,
  mustCreateGroup,
  writeStringAttr,
  writeStringList,
} from "./h5.ts";
import { keras3LayerKeys } from "./load.ts";

/** `keras2`: Keras 2's `save_weights` `.h5` layout; `keras3`: Keras 3's `.weights.h5`. */
export type WeightsFormat = "keras2" | "keras3";

/** Options of `saveWeights`. */
export interface SaveWeightsOptions {
  /** Defaults to keras3 for paths ending in `.weights.h5`, keras2 otherwise. */
  format?: WeightsFormat;
  /** Written as the file's `keras_version` in the Keras 2 layout. */
  kerasVersion?: string;
}

/** The keras_version graft writes for the Keras 2 layout: the Keras release whose layout it follows. */
export const KERAS2_LAYOUT_VERSION = "2.15.0";

/**
 * Writes `model`'s weights to `path` in a layout Python Keras loads with
 * `load_weights`; the format follows the file name unless `format` says otherwise.
 * The file appears atomically: a failed write leaves any earlier file in place.
 */
export async function saveWeights(
  model: LayersModel,
  path: string,
  options: SaveWeightsOptions = {},
): Promise<void> {
  const format = options.format ?? (path.endsWith(".weights.h5") ? "keras3" : "keras2");
  await writeAtomically(path, (file) => {
    if (format === "keras3") writeKeras3(file, model);
    else writeKeras2Group(file, model, options.kerasVersion ?? KERAS2_LAYOUT_VERSION);
  });
}

/**
 * Runs `fill` on a fresh HDF5 file beside `path`, checks the write (HDF5's
 * diagnostics, the close status, and a re-open that reads the structure back),
 * then renames it into place through `replaceAtomic`. On failure the earlier
 * file is unchanged, no temporary remains, and the WriteError names the cause.
 */
export async function writeAtomically(path: string, fill: (file: H5File) => void): Promise<void> {
  await h5Ready();
  let written: string[] = [];
  await replaceAtomic(
    path,
    (tmp) => {
      const { value: failure, diagnostics } = hdf5Quietly((): unknown => {
        let file: H5File;
        try {
          file = new h5wasm.File(tmp, "w");
        } catch (err) {
          return err;
        }
        if ((file as unknown as { file_id: bigint }).file_id < 0n) {
          return new Error("HDF5 could not create the file");
        }
        let error: unknown = null;
        try {
          fill(file);
          file.flush();
          written = file.paths();
        } catch (err) {
          error = err;
        }
        const status = file.close() as unknown;
        if (error === null && typeof status === "number" && status < 0) {
          error = new Error("HDF5 could not finish the file");
        }
        return error;
      });
      const cause = diagnostics ? hdf5Cause(diagnostics) : null;
      if (cause) throw Object.assign(new Error(cause.reason), { code: cause.errno });
      if (failure !== null) throw failure;
    },
    {
      verify: (tmp) => {
        const { value: problem } = hdf5Quietly((): string | null => {
          let file: H5File;
          try {
            file = new h5wasm.File(tmp, "r");
          } catch {
            return "the written file does not open";
          }
          try {
            const back = file.paths();
            if (back.length !== written.length || back.some((p, i) => p !== written[i])) {
              return `the written file holds ${back.length} objects, not ${written.length}`;
            }
            return null;
          } finally {
            file.close();
          }
        });
        if (problem) throw new Error(`${problem} (read back before replacing)`);
      },
    },
  );
}

/** Ensures every group along `parts` exists below `root`. */
function ensureGroups(root: Group, parts: string[], where: string): Group {
  let g = root;
  for (const part of parts) {
    const existing = g.keys().includes(part) ? g.get(part) : null;
    g =
      existing && "keys" in (existing as object)
        ? (existing as Group)
        : mustCreateGroup(g, part, where);
  }
  return g;
}

/**
 * The Keras 2 layout into `root` (the file itself for save_weights,
 * `/model_weights` for a full model file).
 */
export function writeKeras2Group(root: Group, model: LayersModel, kerasVersion: string): void {
  writeStringList(
    root,
    "layer_names",
    model.layers.map((l) => l.name),
  );
  writeStringAttr(root, "backend", "tensorflow");
  writeStringAttr(root, "keras_version", kerasVersion);
  for (const layer of model.layers) {
    const group = mustCreateGroup(root, layer.name, "the weight file");
    const names = layer.weights.map((w) => `${w.originalName}:0`);
    writeStringList(group, "weight_names", names);
    // read() hands out the variable itself: read its data, never dispose it.
    layer.weights.forEach((w, i) => {
      const parts = (names[i] as string).split("/");
      const leaf = parts.pop() as string;
      const parent = ensureGroups(group, parts, `layer ${layer.name}`);
      mustCreateDataset(
        parent,
        leaf,
        w.read().dataSync() as Float32Array,
        w.shape as number[],
        `layer ${layer.name}`,
      );
    });
  }
}

function writeKeras3(file: H5File, model: LayersModel): void {
  const rootVars = mustCreateGroup(file, "vars", "the weight file");
  writeStringAttr(rootVars, "name", model.name);
  mustCreateGroup(file, "layers", "the weight file");
  const keys = keras3LayerKeys(model);
  for (const [layer, key] of keys) {
    const group = ensureGroups(file, key.split("/"), `layer ${layer.name}`);
    const vars = mustCreateGroup(group, "vars", `layer ${layer.name}`);
    writeStringAttr(vars, "name", layer.name);
    layer.weights.forEach((w, i) => {
      mustCreateDataset(
        vars,
        String(i),
        w.read().dataSync() as Float32Array,
        w.shape as number[],
        `layer ${layer.name}`,
      );
    });
  }
}
