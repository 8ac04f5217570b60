// What graft's two training fusions are worth on a VGG19 recipe step on graft-cpu,
// each against the same step without it, measured in the same process:
//
//   pnpm --filter cli bench                       (or: cd apps/cli && pnpm exec tsx bench/fusions.bench.ts)
//   GRAFT_BENCH_ROUNDS=N ...                      interleaved rounds (default 6), 2 timed steps each
//   GRAFT_BENCH_SIZE=N ...                        input size (default 224); batch 8
//
// - graft: buildVGG's fused Conv2D+bias+relu (@graft/models) and sgdMomentum's
//   one-kernel update (@graft/training), as `graft bench` and the scenarios run;
// - unfused convs: the same network deserialised from its JSON, so its Conv2D
//   layers run tfjs-layers' own Conv2D, Add, Relu;
// - tf.train.momentum: graft's network with tfjs's four-op momentum update.
// The three run in turn in every round, so the machine's drift hits them alike.
import { sgdMomentum } from "@graft/training";
import type * as tfc from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { recipeModel } from "../src/commands/bench.ts";
import { initTf } from "../src/tf.ts";

const tf = await initTf("graft-cpu");
const rounds = Number(process.env.GRAFT_BENCH_ROUNDS ?? 6);
const size = Number(process.env.GRAFT_BENCH_SIZE ?? 224);
const batch = 8;

async function unfusedCopy(m: tfl.LayersModel): Promise<tfl.LayersModel> {
  return tfl.models.modelFromJSON({
    modelTopology: m.toJSON(null, false) as tfc.io.ModelJSON["modelTopology"],
  });
}

function compiled(m: tfl.LayersModel, optimizer: ReturnType<typeof tf.train.momentum>) {
  m.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

const configs: [string, tfl.LayersModel][] = [
  ["graft", compiled(recipeModel("vgg19", size), sgdMomentum(1e-4, 0.9))],
  [
    "unfused convs",
    compiled(await unfusedCopy(recipeModel("vgg19", size)), sgdMomentum(1e-4, 0.9)),
  ],
  ["tf.train.momentum", compiled(recipeModel("vgg19", size), tf.train.momentum(1e-4, 0.9))],
];
const x = tf.randomUniform([batch, size, size, 3], -120, 150);
const y = tf.oneHot(
  tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 16),
    "int32",
  ),
  16,
);
const ms = new Map<string, number[]>(configs.map(([name]) => [name, []]));

console.log(`VGG19 recipe step on graft-cpu, ${size} px, batch ${batch}, ${rounds} rounds`);
for (let r = 0; r < rounds; r++) {
  for (const [name, model] of configs) {
    await model.trainOnBatch(x, y); // untimed: first use, or back from the other models
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    await model.trainOnBatch(x, y);
    ms.get(name)?.push((performance.now() - t0) / 2);
  }
}
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const graft = mean(ms.get("graft") ?? []);
for (const [name, v] of ms) {
  const m = mean(v);
  const ratio = name === "graft" ? "" : `  graft is ${(m / graft).toFixed(3)}× as fast`;
  console.log(
    `${name.padEnd(18)} ${m.toFixed(0).padStart(6)} ms/step  (${v.map((t) => t.toFixed(0)).join(" ")})${ratio}`,
  );
}
