import * as tfl from "@tensorflow/tfjs-layers";
import { ModelsError } from "./errors.ts";
import { unfoldAt } from "./fold-bn.ts";

/**
 * The sub-network from the model's inputs to the output of `layerName`
 * (e.g. VGG19 up to block2_pool). Layers and weights are shared with `model`. Cutting at a
 * layer of a folded Conv2D → BatchNormalization (→ relu) chain (fold-bn.ts) unfolds that chain,
 * in `model` too, so that the cut ends at the layer's own output.
 */
export function cutAt(model: tfl.LayersModel, layerName: string, name?: string): tfl.LayersModel {
  const names = model.layers.map((l) => l.name);
  if (!names.includes(layerName)) {
    throw new ModelsError(
      "ERR_GRAFT_LAYER",
      `No layer named "${layerName}" in model "${model.name}"; layers are: ${names.join(", ")}`,
    );
  }
  const layer = model.getLayer(layerName);
  unfoldAt(layer);
  return tfl.model({
    inputs: model.inputs,
    outputs: layer.output as tfl.SymbolicTensor,
    name: name ?? `${model.name}_${layerName}`,
  });
}
