import { cutAt } from "@graft/models";
import * as tfl from "@tensorflow/tfjs-layers";
import { BaseScenario, type BuiltModel, type ScenarioSettings } from "../scenario.ts";
import { freezeWholeBase, trunkWithHead } from "./common.ts";

/**
 * Little data, far from the base's domain: only the early, generic layers are
 * worth keeping. Cut the base at `cutLayer` (block2_pool by default), pool the
 * feature map to a vector (64×64×128 values per image are too many for a dense
 * layer), extract features for every image once, and train a small dense head
 * or a linear softmax (multinomial logistic regression) on them.
 */
export class SmallDifferent extends BaseScenario {
  /** Registered as "small-different". */
  readonly name = "small-different";
  readonly summary =
    "cut the base at an early layer, extract (pooled) features, train a small classifier on them";
  override readonly defaults: Partial<ScenarioSettings> = {
    head: [
      { kind: "dense", units: 256, activation: "relu" },
      { kind: "dropout", rate: 0.5 },
    ],
  };

  build(base: tfl.LayersModel, numClasses: number, s: ScenarioSettings): BuiltModel {
    const trunk = cutAt(base, s.cutLayer, `${base.name}_${s.cutLayer}`);
    const pool =
      s.pooling === "avg"
        ? tfl.layers.globalAveragePooling2d({ name: "feature_avg_pool" })
        : s.pooling === "max"
          ? tfl.layers.globalMaxPooling2d({ name: "feature_max_pool" })
          : tfl.layers.flatten({ name: "feature_flatten" });
    // A head that flattens or pools again would fail on a vector: keep only its dense part.
    const head =
      s.classifier === "logistic"
        ? []
        : s.head.filter((l) => l.kind === "dense" || l.kind === "dropout");
    return trunkWithHead(trunk, head, numClasses, `${base.name}_small_different`, [pool]);
  }

  chooseTrainable(built: BuiltModel, base: tfl.LayersModel): string[] {
    return freezeWholeBase(built.model, base);
  }
}
