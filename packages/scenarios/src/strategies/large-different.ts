import type * as tfl from "@tensorflow/tfjs-layers";
import { BaseScenario, type BuiltModel, type ScenarioSettings } from "../scenario.ts";
import { freezeFirst, trunkWithHead } from "./common.ts";

/**
 * Plenty of data, far from the base's domain: train the whole network, starting
 * from the pretrained weights (default; they still converge faster) or from
 * random initialisation.
 */
export class LargeDifferent extends BaseScenario {
  /** Registered as "large-different". */
  readonly name = "large-different";
  readonly summary =
    "train the whole network, from the pretrained weights or from random initialisation";
  override readonly defaults: Partial<ScenarioSettings> = { freeze: 0, cacheFeatures: false };

  override pretrained(s: ScenarioSettings): boolean {
    return s.initialization === "pretrained";
  }

  build(base: tfl.LayersModel, numClasses: number, s: ScenarioSettings): BuiltModel {
    const built = trunkWithHead(base, s.head, numClasses, `${base.name}_large_different`);
    return { model: built.model, cached: null };
  }

  chooseTrainable(built: BuiltModel, base: tfl.LayersModel, s: ScenarioSettings): string[] {
    return freezeFirst(built.model, base, s.freeze);
  }
}
