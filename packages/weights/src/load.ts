/**
 * Keras' `load_weights` for tfjs-layers models: topological (by position) or
 * by name, from any layout `openWeights` understands. Everything is read and
 * checked before the first variable is written, so a failed load leaves the
 * model exactly as it was.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { LayersModel } from "@tensorflow/tfjs-layers";
import { WeightsError } from "./errors.ts";
import {
  type KerasWeightsFile,
  type OpenWeightsOptions,
  openWeights,
  type StoredLayer,
  type StoredWeight,
} from "./read.ts";

type Layer = LayersModel["layers"][number];
type LayerVariable = Layer["weights"][number];

/** Options of `loadWeights`, after Keras' `load_weights(by_name=..., skip_mismatch=...)`. */
export interface LoadWeightsOptions {
  /** Match layers by name instead of position (Keras' `by_name=True`). */
  byName?: boolean;
  /** With `byName`: skip layers whose weight count or shapes differ, with a warning, instead of failing. */
  skipMismatch?: boolean;
  /** Receives warnings (skipped layers); defaults to console.warn. */
  onWarning?: (message: string) => void;
  /** Memory and time limits for reading the file (see `OpenWeightsOptions`); ignored for an opened file. */
  limits?: OpenWeightsOptions;
}

/** What `loadWeights` did: the file's layout and which layers got weights. */
export interface LoadWeightsReport {
  /** The layout of the file that was read (see `WeightLayout`). */
  layout: KerasWeightsFile["layout"];
  /** Model layers that received weights, in model order. */
  loaded: string[];
  /** Layers skipped under `skipMismatch`, with the reason. */
  skipped: {
    /** The model layer's name. */
    layer: string;
    /** What did not match, e.g. the weight count or a shape. */
    reason: string;
  }[];
}

interface Assignment {
  variable: LayerVariable;
  stored: StoredWeight;
}

/** Loads a Keras weight file (path or an opened file) into a tfjs-layers model. */
export async function loadWeights(
  model: LayersModel,
  source: string | KerasWeightsFile,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsReport> {
  const file = typeof source === "string" ? await openWeights(source, options.limits) : source;
  try {
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    const plan = options.byName
      ? planByName(model, file, options.skipMismatch ?? false, warn)
      : planTopological(model, file);
    // Read every array first; only when all are in memory and checked is the model touched.
    const values = plan.assignments.map(({ variable, stored }) => {
      const data = stored.read();
      const expected = sizeOf(variable.shape as number[]);
      if (data.length !== expected) {
        throw new WeightsError(
          "ERR_GRAFT_WEIGHTS_SHAPE",
          `Weight ${stored.name} in ${file.path} holds ${data.length} values but ${variable.originalName} expects ${expected}`,
        );
      }
      return data;
    });
    plan.assignments.forEach(({ variable }, i) => {
      const t = tf.tensor(values[i] as Float32Array, variable.shape as number[], "float32");
      variable.write(t);
      t.dispose();
    });
    return { layout: file.layout, loaded: plan.loaded, skipped: plan.skipped };
  } finally {
    if (typeof source === "string") file.close();
  }
}

interface Plan {
  assignments: Assignment[];
  loaded: string[];
  skipped: { layer: string; reason: string }[];
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fmtShape(shape: readonly (number | null)[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Keras 3's container key for every leaf layer: snake_case(class) with a
 * per-class counter inside each container, nested models as
 * `layers/functional/layers/conv2d`.
 */
export function keras3LayerKeys(model: LayersModel): Map<Layer, string> {
  const keys = new Map<Layer, string>();
  const walk = (layers: Layer[], prefix: string) => {
    const used = new Map<string, number>();
    for (const layer of layers) {
      const cls = layer.getClassName();
      // tfjs calls a functional model "Model"; Keras 3 calls it "Functional".
      const base = toSnakeCase(cls === "Model" ? "Functional" : cls);
      const n = used.get(base);
      const key = `${prefix}${n === undefined ? base : `${base}_${n + 1}`}`;
      used.set(base, n === undefined ? 0 : n + 1);
      const inner = (layer as unknown as { layers?: Layer[] }).layers;
      if (Array.isArray(inner)) walk(inner, `${key}/layers/`);
      else keys.set(layer, key);
    }
  };
  walk(model.layers, "layers/");
  return keys;
}

/** Keras' naming.to_snake_case: "MaxPooling2D" → "max_pooling2d", "Conv2D" → "conv2d". */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

function isKeras3(file: KerasWeightsFile): boolean {
  return file.layout === "keras3" || file.layout === "keras3-archive";
}

function checkLayer(
  layer: Layer,
  stored: StoredLayer,
  index: number | null,
): { ok: true; assignments: Assignment[] } | { ok: false; reason: string } {
  const vars = layer.weights;
  const where =
    index === null
      ? `layer "${layer.name}"`
      : `layer #${index} (named "${layer.name}" in the current model, "${stored.name}" in the save file)`;
  if (vars.length !== stored.weights.length) {
    return {
      ok: false,
      reason: `Weight count mismatch for ${where}: layer expects ${vars.length} weight(s), received ${stored.weights.length} saved weight(s)`,
    };
  }
  const assignments: Assignment[] = [];
  for (let i = 0; i < vars.length; i++) {
    const variable = vars[i] as LayerVariable;
    const w = stored.weights[i] as StoredWeight;
    if (!sameShape(variable.shape, w.shape)) {
      return {
        ok: false,
        reason: `Shape mismatch in ${where} for weight ${variable.originalName}: weight expects shape ${fmtShape(variable.shape)}, received saved weight "${w.name}" with shape ${fmtShape(w.shape)}`,
      };
    }
    assignments.push({ variable, stored: w });
  }
  return { ok: true, assignments };
}

function planTopological(model: LayersModel, file: KerasWeightsFile): Plan {
  const modelLayers = model.layers.filter((l) => l.weights.length > 0);
  let pairs: [Layer, StoredLayer][];
  if (isKeras3(file)) {
    const keys = keras3LayerKeys(model);
    const byKey = new Map(file.layers.map((l) => [l.key, l]));
    const storedWithWeights = file.layers.filter((l) => l.weights.length > 0);
    // Keras 3 walks nested models down to their own layers.
    const leaves = [...keys.keys()].filter((l) => l.weights.length > 0);
    pairs = leaves.map((layer) => {
      const key = keys.get(layer) as string;
      const stored = byKey.get(key);
      if (!stored) {
        throw new WeightsError(
          "ERR_GRAFT_WEIGHTS_MISMATCH",
          `Layer "${layer.name}" (${layer.getClassName()}) has weights but ${file.path} has no ${key}/vars group`,
        );
      }
      return [layer, stored];
    });
    if (storedWithWeights.length !== leaves.length) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_COUNT",
        `Layer count mismatch when loading weights from file. Model expected ${leaves.length} layers with weights, found ${storedWithWeights.length} saved layers with weights in ${file.path}`,
      );
    }
  } else {
    const storedLayers = file.layers.filter((l) => l.weights.length > 0);
    if (storedLayers.length !== modelLayers.length) {
      throw new WeightsError(
        "ERR_GRAFT_WEIGHTS_COUNT",
        `Layer count mismatch when loading weights from file. Model expected ${modelLayers.length} layers, found ${storedLayers.length} saved layers in ${file.path}`,
      );
    }
    pairs = modelLayers.map((l, i) => [l, storedLayers[i] as StoredLayer]);
  }
  const assignments: Assignment[] = [];
  pairs.forEach(([layer, stored], i) => {
    const r = checkLayer(layer, stored, i);
    if (!r.ok)
      throw new WeightsError("ERR_GRAFT_WEIGHTS_MISMATCH", `${r.reason} (in ${file.path})`);
    assignments.push(...r.assignments);
  });
  return { assignments, loaded: pairs.map(([l]) => l.name), skipped: [] };
}

function planByName(
  model: LayersModel,
  file: KerasWeightsFile,
  skipMismatch: boolean,
  warn: (m: string) => void,
): Plan {
  if (isKeras3(file) && !file.hasLayerNames) {
    throw new WeightsError(
      "ERR_GRAFT_WEIGHTS_BY_NAME",
      `${file.path} was written by Keras < 3.6 without layer names; load it by position (byName: false)`,
    );
  }
  const stored = new Map<string, StoredLayer>();
  for (const l of file.layers) if (l.weights.length > 0) stored.set(l.name, l);
  const plan: Plan = { assignments: [], loaded: [], skipped: [] };
  for (const layer of model.layers) {
    const s = stored.get(layer.name);
    if (!s) continue;
    const r = checkLayer(layer, s, null);
    if (r.ok) {
      plan.assignments.push(...r.assignments);
      plan.loaded.push(layer.name);
    } else if (skipMismatch) {
      plan.skipped.push({ layer: layer.name, reason: r.reason });
      warn(`Skipping loading weights for layer "${layer.name}": ${r.reason}`);
    } else {
      throw new WeightsError("ERR_GRAFT_WEIGHTS_MISMATCH", `${r.reason} (in ${file.path})`);
    }
  }
  return plan;
}
