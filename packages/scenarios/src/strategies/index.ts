import { registerScenario } from "../scenario.ts";
import { LargeDifferent } from "./large-different.ts";
import { LargeSimilar } from "./large-similar.ts";
import { SmallDifferent } from "./small-different.ts";
import { SmallSimilar } from "./small-similar.ts";

export { LargeDifferent, LargeSimilar, SmallDifferent, SmallSimilar };

for (const s of [
  new SmallSimilar(),
  new LargeSimilar(),
  new SmallDifferent(),
  new LargeDifferent(),
]) {
  registerScenario(s);
}
