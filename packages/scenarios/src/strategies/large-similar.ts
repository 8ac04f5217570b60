import type * as tfl from "@tensorflow/tfjs-layers";
import { BaseScenario, type BuiltModel, type ScenarioSettings } from "../scenario.ts";
import { freezeFirst, trunkWithHead } from "./common.ts";

/**
 * Plenty of data, close to the base's domain: fine-tune everything but the first
 * `freeze` layers (the classic recipe: layers[:5]) with a low learning rate.
 */
export class LargeSimilar extends BaseScenario {
  /** Registered as "large-similar". */
  readonly name = "large-similar";
  readonly summary =
    "fine-tune the base but its first N layers (the classic recipe), with a new head";
  override readonly defaults: Partial<ScenarioSettings> = { freeze: 5, cacheFeatures: false };

  build(base: tfl.LayersModel, numClasses: number, s: ScenarioSettings): BuiltModel {
    const built = trunkWithHead(base, s.head, numClasses, `${base.name}_large_similar`);
    return { model: built.model, cached: null };
  }

  chooseTrainable(built: BuiltModel, base: tfl.LayersModel, s: ScenarioSettings): string[] {
    return freezeFirst(built.model, base, s.freeze);
  }
}
