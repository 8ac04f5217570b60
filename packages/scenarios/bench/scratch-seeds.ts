/**
 * graft's side of the from-scratch seed comparison (issue 14, item 7b): the demo's recipe
 * from random initialisation (`graft demo`'s "from scratch" run, without early stopping, as
 * Keras' run has none), on the demo's PNGs, over seeds 1 … N on graft-cpu. Keras' side is
 * test-fixtures/scripts/scratch_seeds.py; pass its JSON to print the two side by side.
 *
 *   pnpm --filter @graft/scenarios scratch-seeds -- --seeds 10 [--keras keras-scratch.json]
 *
 * Statistical and slow (about 20 s a seed on 2 cores): a measurement, not a test.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { demoManifest, demoRecipeOptions } from "@graft/demo";
import "@graft/native/graft-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { runTraining } from "../src/index.ts";

const argAt = (name: string) => process.argv.indexOf(`--${name}`);
const seeds = argAt("seeds") > 0 ? Number(process.argv[argAt("seeds") + 1]) : 10;
const kerasPath = argAt("keras") > 0 ? process.argv[argAt("keras") + 1] : undefined;

interface SeedRun {
  seed: number;
  last: number;
  best: number;
}

await tf.setBackend("graft-cpu");
const m = demoManifest();
const scratch = mkdtempSync(join(tmpdir(), "graft-scratch-seeds-"));
const runs: SeedRun[] = [];
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await runTraining(
      {
        ...demoRecipeOptions(),
        patience: 0,
        scenario: "large-different",
        init: "random",
        weights: "none",
        seed,
        out: join(scratch, `seed-${seed}`),
      },
      { log: () => {}, warn: () => {}, progressStream: { write: () => true, isTTY: false } },
    );
    const val = r.history.map((h) => h.val_acc as number);
    runs.push({ seed, last: val.at(-1) as number, best: Math.max(...val) });
    console.error(JSON.stringify(runs.at(-1)));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const learned = (rs: SeedRun[]) => rs.filter((r) => r.last >= 0.4).length;
const keras = kerasPath
  ? (JSON.parse(readFileSync(kerasPath, "utf8")) as { runs: SeedRun[] }).runs
  : null;
console.log(
  `from scratch, the demo's recipe, ${m.recipe.epochs} epochs, val accuracy (chance ${(1 / m.target.classes.length).toFixed(2)}); ${cpus()[0]?.model ?? "cpu"}`,
);
console.log("seed\tgraft last\tgraft best\tkeras last\tkeras best");
for (const r of runs) {
  const k = keras?.find((x) => x.seed === r.seed);
  console.log(
    `${r.seed}\t${r.last.toFixed(2)}\t${r.best.toFixed(2)}\t${k ? k.last.toFixed(2) : "-"}\t${k ? k.best.toFixed(2) : "-"}`,
  );
}
const line = (name: string, rs: SeedRun[]) =>
  `${name}: mean last ${mean(rs.map((r) => r.last)).toFixed(3)} (${Math.min(...rs.map((r) => r.last)).toFixed(2)}–${Math.max(...rs.map((r) => r.last)).toFixed(2)}), mean best ${mean(rs.map((r) => r.best)).toFixed(3)}, learned (last ≥ 0.40) in ${learned(rs)} of ${rs.length}`;
console.log(line("graft", runs));
if (keras) console.log(line("keras", keras));
