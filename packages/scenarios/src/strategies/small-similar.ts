import type * as tfl from "@tensorflow/tfjs-layers";
import { BaseScenario, type BuiltModel, type ScenarioSettings } from "../scenario.ts";
import { freezeWholeBase, trunkWithHead } from "./common.ts";

/**
 * Little data, close to the base's domain: the whole base is frozen and only a
 * new head learns. Without augmentation the base's features are computed once
 * and the head trains on them; with augmentation, K augmented passes can be cached.
 */
export class SmallSimilar extends BaseScenario {
  /** Registered as "small-similar". */
  readonly name = "small-similar";
  readonly summary = "freeze the whole base, train a new head (on cached features when possible)";

  build(base: tfl.LayersModel, numClasses: number, s: ScenarioSettings): BuiltModel {
    return trunkWithHead(base, s.head, numClasses, `${base.name}_small_similar`);
  }

  chooseTrainable(built: BuiltModel, base: tfl.LayersModel): string[] {
    return freezeWholeBase(built.model, base);
  }
}
