/**
 * Whole-model Keras files for tfjs-layers: architecture plus weights.
 *
 *  - `loadKerasModel` reads a Keras 2 or Keras 3 full-model `.h5`
 *    (`model_config` + `/model_weights`) or a Keras 3 `.keras` archive
 *    (`config.json` + `model.weights.h5`). The config is rewritten into the
 *    Keras 2 dialect that tfjs-layers 4.22 deserialises, the model is rebuilt
 *    with `tf.models.modelFromJSON`, then `loadWeights` fills it.
 *  - `saveKerasModel` writes a Keras 2 full-model `.h5` (what tf.keras 2.15's
 *    `model.save("m.h5")` writes, minus the optimizer) or a Keras 3 `.keras`
 *    archive, both of which Python Keras 3's `keras.models.load_model` reads.
 *
 * Only configs are translated here; layer maths is tfjs-layers' own. The layer
 * set covered (and tested against Keras goldens) is InputLayer, Conv2D, Dense,
 * MaxPooling2D, Flatten, Dropout, BatchNormalization, GlobalAveragePooling2D,
 * inside Sequential and Functional models; other layers pass through untouched
 * and work as far as tfjs-layers and Keras agree on their config.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as tfl from "@tensorflow/tfjs-layers";
import { zipSync } from "fflate";
import { temporaryPath, toWriteError, writeFileAtomic } from "./atomic.ts";
import { WeightsError } from "./errors.ts";
import { writeStringAttr } from "./h5.ts";
import { KERAS3_ACTIVATION_NAMES } from "./keras3-layers.ts";
import { type LoadWeightsReport, loadWeights } from "./load.ts";
import { type KerasWeightsFile, type OpenWeightsOptions, openWeights } from "./read.ts";
import { KERAS2_LAYOUT_VERSION, saveWeights, writeAtomically, writeKeras2Group } from "./save.ts";

type LayersModel = tfl.LayersModel;
type Layer = LayersModel["layers"][number];

/** A JSON value as Keras writes it. */
export type KerasJson = null | boolean | number | string | KerasJson[] | KerasJsonObject;
/** A JSON object as Keras writes it (a layer config, a model config). */
export interface KerasJsonObject {
  [key: string]: KerasJson;
}

/** The keras_version graft stamps into `.keras` archives: the Keras 3 layout it follows (named `vars`, ≥ 3.6). */
export const KERAS3_LAYOUT_VERSION = "3.6.0";

/** Options of `loadKerasModel`. */
export interface LoadKerasModelOptions {
  /** Receives the weight-loading report (layout, loaded layers). */
  onReport?: (report: LoadWeightsReport) => void;
  /** Memory and time limits for reading the file (see `OpenWeightsOptions`). */
  limits?: OpenWeightsOptions;
}

/** Rebuilds a model saved by Keras (`model.save`) and loads its weights. */
export async function loadKerasModel(
  path: string,
  options: LoadKerasModelOptions = {},
): Promise<LayersModel> {
  const file = await openWeights(path, options.limits);
  try {
    if (file.modelConfig === null || typeof file.modelConfig !== "object") {
      throw new WeightsError(
        "ERR_GRAFT_MODEL_CONFIG",
        `${path} holds weights only (layout ${file.layout}), no model config: build the model in code and use loadWeights`,
      );
    }
    checkConfigSizes(file);
    let config: ReturnType<typeof kerasConfigToTfjs>;
    try {
      config = kerasConfigToTfjs(file.modelConfig as KerasJson);
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof WeightsError && message.includes(path)) throw err;
      // The conversion's own errors ("Unsupported in a Keras model config: ...") name no file.
      const code = err instanceof WeightsError ? err.code : "ERR_GRAFT_MODEL_CONFIG";
      throw new WeightsError(code, `${path}: ${message}`);
    }
    checkGraph(file.path, config);
    let model: LayersModel;
    try {
      model = await tfl.models.modelFromJSON({ modelTopology: config } as never);
    } catch (err) {
      throw new WeightsError(
        "ERR_GRAFT_MODEL_CONFIG",
        `tfjs-layers cannot rebuild the model in ${path}: ${(err as Error).message}`,
      );
    }
    try {
      const report = await loadWeights(model, file);
      options.onReport?.(report);
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  } finally {
    file.close();
  }
}

const SIZE_KEYS = new Set(["units", "filters", "input_dim", "output_dim"]);
const SHAPE_KEYS = new Set(["batch_input_shape", "batch_shape", "target_shape", "input_shape"]);

/**
 * Refuses a config whose sizes the file's weights cannot back: a layer of N units or
 * filters needs at least N stored values, so a count above all the file holds comes from
 * a damaged number, which tfjs-layers would otherwise spend minutes allocating. Shape
 * dimensions above both that total and 2^16 are refused for the same reason.
 */
function checkConfigSizes(file: KerasWeightsFile): void {
  const stored = file.layers.reduce(
    (n, l) => n + l.weights.reduce((m, w) => m + w.shape.reduce((a, b) => a * b, 1), 0),
    0,
  );
  const stack: unknown[] = [file.modelConfig];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    for (const [key, child] of Object.entries(v)) {
      const bad =
        (SIZE_KEYS.has(key) && typeof child === "number" && child > Math.max(stored, 1)) ||
        (SHAPE_KEYS.has(key) &&
          Array.isArray(child) &&
          child.some((d) => typeof d === "number" && d > Math.max(stored, 1 << 16)));
      if (bad) {
        throw new WeightsError(
          "ERR_GRAFT_MODEL_CONFIG",
          `${file.path}: the model config gives ${key} ${JSON.stringify(child)}, more than the ${stored} weight values the file holds can back (a damaged config)`,
        );
      }
      stack.push(child);
    }
  }
}

/**
 * Refuses a functional config that calls a layer it does not define: tfjs-layers waits for
 * such a node forever. Names come from inbound_nodes, input_layers and output_layers, in
 * the Keras 2 form the converted config uses; nested models are checked the same way.
 */
function checkGraph(path: string, config: unknown): void {
  const stack: unknown[] = [config];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    const c = (v as { config?: { layers?: unknown } }).config;
    const layers =
      c && Array.isArray(c.layers)
        ? (c.layers as { name?: unknown; config?: { name?: unknown } }[])
        : null;
    if (layers) {
      const names = new Set(layers.map((l) => l?.name ?? l?.config?.name));
      const refs: unknown[] = [];
      const cfg = c as { input_layers?: unknown; output_layers?: unknown };
      for (const l of layers) {
        const nodes = (l as { inbound_nodes?: unknown }).inbound_nodes;
        if (Array.isArray(nodes))
          for (const node of nodes)
            if (Array.isArray(node))
              for (const t of node) refs.push(Array.isArray(t) ? t[0] : undefined);
      }
      for (const list of [cfg.input_layers, cfg.output_layers])
        if (Array.isArray(list)) for (const t of list) refs.push(Array.isArray(t) ? t[0] : t);
      for (const name of refs) {
        if (typeof name === "string" && !names.has(name)) {
          throw new WeightsError(
            "ERR_GRAFT_MODEL_CONFIG",
            `${path}: the model config connects layer "${name}", which it does not define (a damaged config)`,
          );
        }
      }
    }
    for (const child of Object.values(v)) stack.push(child);
  }
}

/** `h5`: Keras 2's `model.save` HDF5 file; `keras`: Keras 3's `.keras` zip archive. */
export type ModelFileFormat = "h5" | "keras";

/** Options of `saveKerasModel`. */
export interface SaveKerasModelOptions {
  /** Defaults to "keras" for paths ending in `.keras`, "h5" otherwise. */
  format?: ModelFileFormat;
  /** keras_version to stamp; defaults to KERAS2_LAYOUT_VERSION (h5) or KERAS3_LAYOUT_VERSION (.keras). */
  kerasVersion?: string;
  /**
   * JSON stored beside the model for graft (class names, preprocessing): the root
   * attribute `graft_metadata` of an h5 file, the `graft` key of a `.keras` archive's
   * metadata.json. Keras ignores both; `readModelMetadata` reads it back.
   */
  metadata?: KerasJsonObject;
}

/** What `saveKerasModel({ metadata })` stored in a model file; null when it holds none. */
export async function readModelMetadata(path: string): Promise<Record<string, unknown> | null> {
  const file = await openWeights(path);
  try {
    return file.graftMetadata;
  } finally {
    file.close();
  }
}

/** Writes the model (config + weights) as Python Keras' `model.save` would, atomically. */
export async function saveKerasModel(
  model: LayersModel,
  path: string,
  options: SaveKerasModelOptions = {},
): Promise<void> {
  const format = options.format ?? (path.endsWith(".keras") ? "keras" : "h5");
  if (format === "h5") {
    const version = options.kerasVersion ?? KERAS2_LAYOUT_VERSION;
    const config = JSON.stringify(tfjsToKeras2Config(model));
    await writeAtomically(path, (file) => {
      writeStringAttr(file, "keras_version", version);
      writeStringAttr(file, "backend", "tensorflow");
      writeStringAttr(file, "model_config", config);
      if (options.metadata) {
        writeStringAttr(file, "graft_metadata", JSON.stringify(options.metadata));
      }
      const group = file.create_group("model_weights");
      if (!group) {
        throw new WeightsError(
          "ERR_GRAFT_H5_WRITE",
          `Cannot create group model_weights in ${path}`,
        );
      }
      writeKeras2Group(group, model, version);
    });
    return;
  }
  if (format !== "keras") {
    throw new WeightsError(
      "ERR_GRAFT_ARGUMENT",
      `Expected "h5" or "keras" for format but received ${JSON.stringify(format)}`,
    );
  }
  const config = tfjsToKeras3Config(model);
  const metadata = {
    keras_version: options.kerasVersion ?? KERAS3_LAYOUT_VERSION,
    date_saved: formatDateSaved(new Date()),
    ...(options.metadata ? { graft: options.metadata } : {}),
  };
  // The weights go through a scratch folder beside the target: same disk, and a
  // stray one is cleaned like any other temporary.
  const scratch = temporaryPath(path);
  const hadOld = existsSync(path);
  try {
    mkdirSync(scratch);
    const weightsPath = join(scratch, "model.weights.h5");
    await saveWeights(model, weightsPath, { format: "keras3" });
    const enc = new TextEncoder();
    // Keras writes its archive entries STORED; so do we (level 0).
    const zip = zipSync(
      {
        "metadata.json": enc.encode(JSON.stringify(metadata)),
        "config.json": enc.encode(JSON.stringify(config)),
        "model.weights.h5": new Uint8Array(readFileSync(weightsPath)),
      },
      { level: 0 },
    );
    writeFileAtomic(path, zip);
  } catch (err) {
    throw toWriteError(path, err, hadOld);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Keras' `date_saved`: `%Y-%m-%d@%H:%M:%S` in local time. */
function formatDateSaved(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// ---------------------------------------------------------------- Keras → tfjs

function isObject(x: unknown): x is KerasJsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function unsupported(what: string): never {
  throw new WeightsError("ERR_GRAFT_MODEL_CONFIG", `Unsupported in a Keras model config: ${what}`);
}

/** Keys Keras 3 adds around serialised objects that tfjs-layers does not know. */
const KERAS3_WRAPPER_KEYS = [
  "module",
  "registered_name",
  "build_config",
  "compile_config",
  "shared_object_id",
];

/**
 * Rewrites a Keras 2 or Keras 3 model config (the `model_config` attribute or
 * `config.json`) into the Keras 2 dialect tfjs-layers 4.22 deserialises. Activations mean what
 * they mean to Keras 3, which reads every file (Keras 2's too) with its own: `hard_sigmoid` is
 * relu6(x + 3) / 6, not tfjs' Keras 2 clip(0.2x + 0.5, 0, 1).
 */
export function kerasConfigToTfjs(config: KerasJson): KerasJsonObject {
  if (!isObject(config) || typeof config.class_name !== "string" || !isObject(config.config)) {
    throw new WeightsError(
      "ERR_GRAFT_MODEL_CONFIG",
      "Expected a Keras model config {class_name, config} but received something else",
    );
  }
  return convertLayer(config);
}

/** One serialised layer (or nested model) `{class_name, config, [name, inbound_nodes]}`. */
function convertLayer(obj: KerasJsonObject): KerasJsonObject {
  const cls = obj.class_name as string;
  const out: KerasJsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!KERAS3_WRAPPER_KEYS.includes(k)) out[k] = v;
  }
  const cfg: KerasJsonObject = {};
  for (const [k, v] of Object.entries(obj.config as KerasJsonObject)) cfg[k] = convertValue(v);
  if (cls === "Sequential") {
    const layers = cfg.layers;
    if (!Array.isArray(layers)) unsupported("a Sequential config without a layers list");
    cfg.layers = layers.map((l) => convertLayer(l as KerasJsonObject));
    delete cfg.build_input_shape;
    delete cfg.dtype;
  } else if (cls === "Functional" || cls === "Model") {
    const layers = cfg.layers;
    if (!Array.isArray(layers)) unsupported(`a ${cls} config without a layers list`);
    cfg.layers = layers.map((l) => convertLayer(l as KerasJsonObject));
    cfg.input_layers = nestEndpoints(cfg.input_layers, "input_layers");
    cfg.output_layers = nestEndpoints(cfg.output_layers, "output_layers");
    delete cfg.dtype;
  } else {
    convertLayerConfig(cls, cfg);
    renameActivation(cfg, KERAS3_ACTIVATION_NAMES);
  }
  out.config = cfg;
  if (Array.isArray(obj.inbound_nodes)) {
    out.inbound_nodes = obj.inbound_nodes.map((n) => convertNode(n, String(obj.name)));
  }
  return out;
}

/** Layer-specific argument renames and checks. */
function convertLayerConfig(cls: string, cfg: KerasJsonObject): void {
  if (cls === "InputLayer") {
    if (cfg.batch_shape !== undefined) {
      cfg.batch_input_shape = cfg.batch_shape;
      delete cfg.batch_shape;
    }
    if (cfg.optional === true) unsupported(`optional input ${String(cfg.name)}`);
    delete cfg.optional;
  }
  if (cls.startsWith("Global") && cfg.keepdims !== undefined) {
    // graft's GlobalAveragePooling2D and GlobalMaxPooling2D honour keepdims (keras3-layers.ts).
    if (cfg.keepdims === true && !/^Global(Average|Max)Pooling2D$/.test(cls)) {
      unsupported(`${cls} ${String(cfg.name)} with keepdims=True`);
    }
    if (cfg.keepdims !== true) delete cfg.keepdims;
  }
  if (cls === "BatchNormalization") {
    if (cfg.renorm === true) unsupported(`BatchNormalization ${String(cfg.name)} with renorm`);
    if (cfg.synchronized === true) {
      unsupported(`BatchNormalization ${String(cfg.name)} with synchronized=True`);
    }
    for (const k of ["renorm", "renorm_clipping", "renorm_momentum", "synchronized"]) delete cfg[k];
    // tf.keras 2 writes axis as a one-element list; tfjs wants the integer.
    if (Array.isArray(cfg.axis) && cfg.axis.length === 1) cfg.axis = cfg.axis[0] as number;
  }
  if ("quantization_config" in cfg) {
    if (cfg.quantization_config !== null) unsupported(`quantized layer ${String(cfg.name)}`);
    delete cfg.quantization_config;
  }
  if ("lora_rank" in cfg) {
    if (cfg.lora_rank !== null) unsupported(`LoRA-enabled layer ${String(cfg.name)}`);
    delete cfg.lora_rank;
    delete cfg.lora_alpha;
  }
}

/** Strips Keras 3 wrappers from nested objects and turns DTypePolicy objects into dtype names. */
function convertValue(v: KerasJson): KerasJson {
  if (Array.isArray(v)) return v.map(convertValue);
  if (!isObject(v)) return v;
  const cls = v.class_name;
  if (cls === "DTypePolicy" || cls === "FloatDTypePolicy") {
    const name = isObject(v.config) ? v.config.name : null;
    if (name !== "float32") unsupported(`dtype policy ${JSON.stringify(name)} (only float32)`);
    return "float32";
  }
  const out: KerasJsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (!KERAS3_WRAPPER_KEYS.includes(k)) out[k] = convertValue(x);
  }
  return out;
}

/** Keras 3 writes a single endpoint flat (`["in", 0, 0]`); tfjs wants a list of them. */
function nestEndpoints(v: KerasJson | undefined, what: string): KerasJson {
  if (!Array.isArray(v)) {
    if (isObject(v)) unsupported(`${what} given as a dict (named inputs/outputs)`);
    unsupported(`${what} missing`);
  }
  if (v.length === 3 && typeof v[0] === "string") return [v];
  return v;
}

/**
 * Keras 3 node `{args: [...], kwargs: {...}}` with `__keras_tensor__` leaves →
 * Keras 2 `[[layer, node, tensor, kwargs], ...]`. Keras 2 nodes pass through.
 */
function convertNode(node: KerasJson, layerName: string): KerasJson {
  if (Array.isArray(node)) return node;
  if (!isObject(node) || !Array.isArray(node.args)) {
    unsupported(`inbound node of layer ${layerName}: ${JSON.stringify(node)}`);
  }
  const kwargs = isObject(node.kwargs) ? node.kwargs : {};
  const tensors: KerasJson[] = [];
  const collect = (x: KerasJson) => {
    if (Array.isArray(x)) x.forEach(collect);
    else if (isObject(x) && x.class_name === "__keras_tensor__") {
      const history = isObject(x.config) ? x.config.keras_history : null;
      if (!Array.isArray(history) || history.length !== 3) {
        unsupported(`keras tensor without keras_history in layer ${layerName}`);
      }
      tensors.push([history[0], history[1], history[2], {}] as KerasJson);
    } else {
      unsupported(`non-tensor positional argument ${JSON.stringify(x)} to layer ${layerName}`);
    }
  };
  node.args.forEach(collect);
  for (const [k, v] of Object.entries(kwargs)) {
    if (JSON.stringify(v).includes("__keras_tensor__")) {
      unsupported(`tensor keyword argument ${k} to layer ${layerName}`);
    }
  }
  // Keras 2 repeats the call's kwargs on every input of the node.
  for (const t of tensors) (t as KerasJson[])[3] = convertValue(kwargs);
  return tensors;
}

// ---------------------------------------------------------------- tfjs → Keras

/** `model.toJSON()` as a plain object, without tfjs' version stamp. */
function tfjsConfig(model: LayersModel): KerasJsonObject {
  const json = model.toJSON(null, false) as unknown as KerasJsonObject;
  return { class_name: json.class_name as string, config: json.config as KerasJsonObject };
}

/**
 * tfjs calls its `normal` variance scaling what Keras calls `truncated_normal`
 * (both draw from a truncated normal); Keras 3 rejects `normal`.
 */
function fixInitializers(v: KerasJson): KerasJson {
  if (Array.isArray(v)) return v.map((x) => fixInitializers(x));
  if (!isObject(v)) return v;
  const out: KerasJsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = fixInitializers(x);
  if (out.class_name === "VarianceScaling" && isObject(out.config)) {
    if (out.config.distribution === "normal") out.config.distribution = "truncated_normal";
  }
  return out;
}

/** graft's names of Keras 3 activations (`keras3_hard_sigmoid`) → Keras 3's (`hard_sigmoid`). */
const FROM_GRAFT_ACTIVATION = Object.fromEntries(
  Object.entries(KERAS3_ACTIVATION_NAMES).map(([keras, graft]) => [graft, keras]),
);

/** Renames a layer config's string activation through `names` (either direction). */
function renameActivation(cfg: KerasJsonObject, names: Readonly<Record<string, string>>): void {
  const name = typeof cfg.activation === "string" ? names[cfg.activation] : undefined;
  if (name) cfg.activation = name;
}

/**
 * The model's config in tf.keras 2's `model_config` format (what Keras 3's legacy h5 loader
 * reads, which gives activations their Keras 3 meaning: graft's Keras 3 ones keep Keras 3's names).
 */
export function tfjsToKeras2Config(model: LayersModel): KerasJsonObject {
  const json = fixInitializers(tfjsConfig(model)) as KerasJsonObject;
  renameModel(json);
  addSequentialInputLayers(json);
  return json;
}

/**
 * tf.keras 2 starts a Sequential config with an explicit InputLayer
 * (`<first layer>_input`); tfjs only puts `batch_input_shape` on the first
 * layer, which Keras 3 would read as an `input_shape` with a batch axis.
 */
function addSequentialInputLayers(layer: KerasJsonObject): void {
  const cfg = layer.config;
  if (!isObject(cfg) || !Array.isArray(cfg.layers)) return;
  for (const l of cfg.layers) if (isObject(l)) addSequentialInputLayers(l);
  if (layer.class_name !== "Sequential") return;
  const first = cfg.layers[0];
  if (!isObject(first) || first.class_name === "InputLayer" || !isObject(first.config)) return;
  const shape = first.config.batch_input_shape;
  if (!Array.isArray(shape)) return;
  // Keras 3 would warn about (and tf.keras 2 ignores) the shape once an InputLayer leads.
  delete first.config.batch_input_shape;
  cfg.layers.unshift({
    class_name: "InputLayer",
    config: {
      batch_input_shape: shape,
      dtype: "float32",
      sparse: false,
      ragged: false,
      name: `${String(first.config.name)}_input`,
    },
  });
}

/** tfjs names a functional model "Model"; Keras ≥ 2.13 writes "Functional". */
function renameModel(layer: KerasJsonObject): void {
  if (layer.class_name === "Model") layer.class_name = "Functional";
  const cfg = layer.config;
  if (isObject(cfg)) renameActivation(cfg, FROM_GRAFT_ACTIVATION);
  if (isObject(cfg) && Array.isArray(cfg.layers)) {
    for (const l of cfg.layers) if (isObject(l)) renameModel(l);
  }
}

const DTYPE_POLICY: KerasJsonObject = {
  module: "keras",
  class_name: "DTypePolicy",
  config: { name: "float32" },
  registered_name: null,
};

const OBJECT_MODULES: Record<string, string> = {
  initializer: "keras.initializers",
  regularizer: "keras.regularizers",
  constraint: "keras.constraints",
};

/** The model's config as Keras 3 writes `config.json` in a `.keras` archive. */
export function tfjsToKeras3Config(model: LayersModel): KerasJsonObject {
  return toKeras3Layer(model, tfjsConfig(model), true);
}

function toKeras3Layer(owner: Layer, json: KerasJsonObject, top: boolean): KerasJsonObject {
  const cls = json.class_name === "Model" ? "Functional" : (json.class_name as string);
  const cfg = json.config as KerasJsonObject;
  if (cls === "Sequential" || cls === "Functional") {
    const model = owner as LayersModel;
    const layersJson = cfg.layers as KerasJsonObject[];
    const out: KerasJsonObject = { name: cfg.name as string, trainable: model.trainable };
    if (cls === "Sequential") {
      out.dtype = DTYPE_POLICY;
      const layers: KerasJsonObject[] = [];
      const first = layersJson[0];
      const firstCfg = first?.config as KerasJsonObject | undefined;
      if (first && first.class_name !== "InputLayer") {
        const shape = firstCfg?.batch_input_shape ?? [
          null,
          ...(model.inputs[0]?.shape ?? []).slice(1),
        ];
        layers.push(inputLayer(`${model.name}_input`, shape));
      }
      for (const l of layersJson) {
        const name = (l.config as KerasJsonObject).name as string;
        const layer = model.layers.find((x) => x.name === name);
        if (!layer) unsupported(`Sequential layer ${name} that the model does not hold`);
        layers.push(toKeras3Layer(layer, l, false));
      }
      out.layers = layers;
      out.build_input_shape = [null, ...(model.inputs[0]?.shape ?? []).slice(1)];
    } else {
      out.layers = layersJson.map((l) => {
        const layer = model.getLayer(l.name as string);
        const converted = toKeras3Layer(layer, l, false);
        converted.name = l.name as string;
        converted.inbound_nodes = (l.inbound_nodes as KerasJson[]).map((n) =>
          toKeras3Node(model, n as KerasJson[][]),
        );
        return converted;
      });
      out.input_layers = flattenEndpoints(cfg.input_layers as KerasJson[]);
      out.output_layers = flattenEndpoints(cfg.output_layers as KerasJson[]);
    }
    const wrapped: KerasJsonObject = {
      module: cls === "Sequential" ? "keras" : "keras.src.models.functional",
      class_name: cls,
      config: out,
      registered_name: cls === "Sequential" ? null : "Functional",
    };
    if (top) {
      wrapped.build_config = {
        input_shape: cls === "Sequential" ? (out.build_input_shape ?? null) : null,
      };
      wrapped.compile_config = null;
    }
    return wrapped;
  }
  if (cls === "InputLayer") {
    return inputLayer(cfg.name as string, cfg.batch_input_shape as KerasJson);
  }
  const layerCfg: KerasJsonObject = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k === "batch_input_shape" || k === "dtype") continue;
    layerCfg[k] = withModules(k, fixInitializers(v));
  }
  renameActivation(layerCfg, FROM_GRAFT_ACTIVATION);
  layerCfg.dtype = DTYPE_POLICY;
  const own = APPLICATION_LAYER_MODULES[cls];
  const out: KerasJsonObject = {
    module: own ?? "keras.layers",
    class_name: cls,
    config: layerCfg,
    registered_name: own ? cls : null,
  };
  return out;
}

/**
 * Layers that keras.applications defines in its own modules without registering them, with
 * the module Keras 3 writes for them (its loader imports the class from there).
 */
const APPLICATION_LAYER_MODULES: Record<string, string> = {
  CustomScaleLayer: "keras.src.applications.inception_resnet_v2",
};

function inputLayer(name: string, batchShape: KerasJson): KerasJsonObject {
  return {
    module: "keras.layers",
    class_name: "InputLayer",
    config: {
      batch_shape: batchShape,
      dtype: "float32",
      sparse: false,
      ragged: false,
      name,
      optional: false,
    },
    registered_name: null,
  };
}

/** `kernel_initializer: {class_name, config}` → with Keras 3's module and registered_name. */
function withModules(key: string, v: KerasJson): KerasJson {
  const kind = Object.keys(OBJECT_MODULES).find((k) => key.endsWith(`_${k}`));
  if (!kind || !isObject(v)) return v;
  return { module: OBJECT_MODULES[kind] as string, ...v, registered_name: null };
}

function flattenEndpoints(v: KerasJson[]): KerasJson {
  return v.length === 1 ? (v[0] as KerasJson) : v;
}

/** Keras 2 node `[[layer, node, tensor, kwargs], ...]` → Keras 3 `{args, kwargs}`. */
function toKeras3Node(model: LayersModel, node: KerasJson[][]): KerasJsonObject {
  const tensors = node.map(([name, nodeIndex, tensorIndex]) => {
    const inbound = model.getLayer(name as string);
    const shape = inbound.inboundNodes[nodeIndex as number]?.outputTensors[tensorIndex as number]
      ?.shape as KerasJson;
    return {
      class_name: "__keras_tensor__",
      config: { shape, dtype: "float32", keras_history: [name, nodeIndex, tensorIndex] },
    } as KerasJsonObject;
  });
  const kwargs = (node[0]?.[3] as KerasJsonObject | undefined) ?? {};
  return { args: tensors.length === 1 ? tensors : [tensors], kwargs };
}
