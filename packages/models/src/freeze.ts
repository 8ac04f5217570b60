import type * as tfl from "@tensorflow/tfjs-layers";
import { stageEnds } from "./applications.ts";
import { ModelsError } from "./errors.ts";

/**
 * Which layers to freeze:
 *  - a number N: Keras' `for layer in model.layers[:N]: layer.trainable = False`
 *    (the input layer counts, as in Keras' functional models);
 *  - names: exactly those layers;
 *  - a RegExp: every layer whose name matches.
 */
export type FreezeSpec = number | string[] | RegExp;

/** Freezes layers and returns the names frozen. Compile (again) afterwards, as in Keras. */
export function freezeLayers(model: tfl.LayersModel, spec: FreezeSpec): string[] {
  const layers = selectLayers(model, spec);
  for (const l of layers) l.trainable = false;
  return layers.map((l) => l.name);
}

/** The opposite of freezeLayers. */
export function unfreezeLayers(model: tfl.LayersModel, spec: FreezeSpec): string[] {
  const layers = selectLayers(model, spec);
  for (const l of layers) l.trainable = true;
  return layers.map((l) => l.name);
}

function selectLayers(model: tfl.LayersModel, spec: FreezeSpec): tfl.LayersModel["layers"] {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 0) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Expected a non-negative integer layer count to freeze but received ${spec}`,
      );
    }
    if (spec > model.layers.length) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Cannot freeze the first ${spec} layers: model "${model.name}" has ${model.layers.length}`,
      );
    }
    return model.layers.slice(0, spec);
  }
  if (spec instanceof RegExp) return model.layers.filter((l) => spec.test(l.name));
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const missing = spec.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new ModelsError(
      "ERR_GRAFT_LAYER",
      `No layer named ${missing.map((n) => `"${n}"`).join(", ")} in model "${model.name}"; layers are: ${[...byName.keys()].join(", ")}`,
    );
  }
  return spec.map((n) => byName.get(n) as tfl.LayersModel["layers"][number]);
}

/**
 * How many of `model.layers` `--freeze-until NAME` freezes: every layer up to and including
 * the layer named NAME, or, for a block or stage name (`block4`, `conv4`, `conv4_block2`), up
 * to and including the last layer whose name starts with `NAME_`. The count is Keras'
 * `layers[:N]` (the input layer counts), for `freezeLayers(model, N)`.
 */
export function freezeCountUntil(model: tfl.LayersModel, name: string): number {
  const names = model.layers.map((l) => l.name);
  const exact = names.indexOf(name);
  if (exact >= 0) return exact + 1;
  let last = -1;
  names.forEach((n, i) => {
    if (n.startsWith(`${name}_`)) last = i;
  });
  if (last < 0) {
    const ends = stageEnds(model);
    throw new ModelsError(
      "ERR_GRAFT_LAYER",
      `No layer or block named "${name}" in model "${model.name}": give a layer name, or the prefix of a block or stage (${ends.length ? `its stages end at ${ends.join(", ")}` : `its layers are ${names.join(", ")}`})`,
    );
  }
  return last + 1;
}
