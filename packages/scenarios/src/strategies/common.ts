import { freezeLayers } from "@graft/models";
import * as tfl from "@tensorflow/tfjs-layers";
import { applyLayers, type HeadLayerSpec, headLayers } from "../head.ts";
import type { BuiltModel } from "../scenario.ts";

/**
 * `trunk` (a base or a cut of it) followed by a new head: one flat functional
 * model (as the Keras recipe's `Model(base.input, predictions)`), plus the
 * trunk and the head as separate models sharing those layers, for caching.
 */
export function trunkWithHead(
  trunk: tfl.LayersModel,
  head: readonly HeadLayerSpec[],
  numClasses: number,
  name: string,
  extra: readonly tfl.layers.Layer[] = [],
): BuiltModel {
  const layers = [...extra, ...headLayers(head, numClasses)];
  const trunkOut = trunk.outputs[0] as tfl.SymbolicTensor;
  const model = tfl.model({
    inputs: trunk.inputs,
    outputs: applyLayers(trunkOut, layers),
    name,
  });
  // The extractor ends after the extra (pooling) layers, which have no weights.
  const featureOut = applyLayers(trunkOut, extra);
  const extractor = extra.length
    ? tfl.model({ inputs: trunk.inputs, outputs: featureOut, name: `${name}_features` })
    : trunk;
  const featureInput = tfl.input({
    shape: featureOut.shape.slice(1) as number[],
    name: "features",
  });
  const headModel = tfl.model({
    inputs: featureInput,
    outputs: applyLayers(featureInput, layers.slice(extra.length)),
    name: `${name}_head`,
  });
  return { model, cached: { extractor, head: headModel } };
}

/** Freezes every layer of `base` inside `model` (by name); returns their names. */
export function freezeWholeBase(model: tfl.LayersModel, base: tfl.LayersModel): string[] {
  const names = base.layers.map((l) => l.name);
  for (const l of model.layers) l.trainable = true;
  return freezeLayers(
    model,
    names.filter((n) => model.layers.some((l) => l.name === n)),
  );
}

/** Keras' `for layer in base.layers[:n]: layer.trainable = False`, everything else trainable. */
export function freezeFirst(model: tfl.LayersModel, base: tfl.LayersModel, n: number): string[] {
  for (const l of model.layers) l.trainable = true;
  const names = base.layers.slice(0, n).map((l) => l.name);
  return names.length ? freezeLayers(model, names) : [];
}
