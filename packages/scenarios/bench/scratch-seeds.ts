/**
 * graft's side of the from-scratch seed comparisons (issue 14, item 7b), over seeds 1 … N on
 * graft-cpu, through `graft train`'s own options (runTraining, what the CLI runs):
 *
 * - `--recipe demo` (default): the demo's recipe from random initialisation (`graft demo`'s
 *   "from scratch" run, without early stopping, as Keras' run has none), on the demo's PNGs.
 *   Keras' side: test-fixtures/scripts/scratch_seeds.py.
 * - `--recipe digits --data DIR`: scikit-learn's digits upscaled to 32×32 PNGs (made by
 *   `test-fixtures/scripts/digits_seeds.py --make DIR`), a VGG19-shaped network with
 *   16…128 filters, from random initialisation. Keras' side: digits_seeds.py --data DIR.
 *
 *   pnpm --filter @graft/scenarios scratch-seeds -- [--recipe digits --data DIR] --seeds 10 [--keras keras.json]
 *
 * With Keras' JSON it prints both side by side and the rule of ./seed-spread.ts. Statistical
 * and slow (20–40 s a seed on 2 cores): a measurement, not a test.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { demoManifest, demoRecipeOptions } from "@graft/demo";
import "@graft/native/graft-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { runTraining } from "../src/index.ts";
import { type SeedRun, seedSpread } from "./seed-spread.ts";

const argAt = (name: string) => process.argv.indexOf(`--${name}`);
const arg = (name: string) => (argAt(name) > 0 ? process.argv[argAt(name) + 1] : undefined);
const seeds = Number(arg("seeds") ?? 10);
const kerasPath = arg("keras");
const recipe = arg("recipe") ?? "demo";

/** The run's options (graft train's flags), what the table calls it, chance, the success threshold. */
function recipeOf(name: string): {
  options: Record<string, string | number | number[]>;
  title: string;
  chance: number;
  threshold: number;
} {
  if (name === "demo") {
    const m = demoManifest();
    return {
      options: { ...demoRecipeOptions(), patience: 0 },
      title: `the demo's recipe, ${m.recipe.epochs} epochs`,
      chance: 1 / m.target.classes.length,
      threshold: 0.4,
    };
  }
  if (name === "digits") {
    const data = arg("data");
    if (!data) throw new Error("--recipe digits needs --data DIR (digits_seeds.py --make DIR)");
    // digits_seeds.py's RECIPE and BLOCK_FILTERS.
    return {
      options: {
        data: join(data, "train"),
        "val-data": join(data, "val"),
        "block-filters": [16, 32, 64, 128, 128],
        "input-size": 32,
        epochs: 12,
        "batch-size": 32,
        optimizer: "sgd",
        lr: 0.01,
        momentum: 0.9,
        head: "flatten,dense:64,dropout:0.5",
        augment: "none",
        patience: 0,
      },
      title: "scikit-learn's digits at 32×32, VGG19-shaped (16…128 filters), 12 epochs",
      chance: 0.1,
      threshold: 0.5,
    };
  }
  throw new Error(`--recipe ${name}: demo or digits`);
}

const r = recipeOf(recipe);
await tf.setBackend("graft-cpu");
const scratch = mkdtempSync(join(tmpdir(), "graft-scratch-seeds-"));
const runs: SeedRun[] = [];
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = Date.now();
    const result = await runTraining(
      {
        ...r.options,
        scenario: "large-different",
        init: "random",
        weights: "none",
        seed,
        out: join(scratch, `seed-${seed}`),
      },
      { log: () => {}, warn: () => {}, progressStream: { write: () => true, isTTY: false } },
    );
    const val = result.history.map((h) => h.val_acc as number);
    runs.push({ seed, last: val.at(-1) as number, best: Math.max(...val) });
    console.error(
      JSON.stringify({ ...runs.at(-1), seconds: Math.round((Date.now() - t0) / 1000) }),
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const learned = (rs: SeedRun[]) => rs.filter((x) => x.last >= r.threshold).length;
const keras = kerasPath
  ? (JSON.parse(readFileSync(kerasPath, "utf8")) as { runs: SeedRun[] }).runs
  : null;
console.log(
  `from scratch, ${r.title}, val accuracy (chance ${r.chance.toFixed(2)}); ${cpus()[0]?.model ?? "cpu"}`,
);
console.log("seed\tgraft last\tgraft best\tkeras last\tkeras best");
for (const x of runs) {
  const k = keras?.find((y) => y.seed === x.seed);
  console.log(
    `${x.seed}\t${x.last.toFixed(2)}\t${x.best.toFixed(2)}\t${k ? k.last.toFixed(2) : "-"}\t${k ? k.best.toFixed(2) : "-"}`,
  );
}
const line = (name: string, rs: SeedRun[]) =>
  `${name}: mean last ${mean(rs.map((x) => x.last)).toFixed(3)} (${Math.min(...rs.map((x) => x.last)).toFixed(2)}–${Math.max(...rs.map((x) => x.last)).toFixed(2)}), mean best ${mean(rs.map((x) => x.best)).toFixed(3)}, learned (last ≥ ${r.threshold.toFixed(2)}) in ${learned(rs)} of ${rs.length}`;
console.log(line("graft", runs));
if (keras) {
  console.log(line("keras", keras));
  for (const c of seedSpread(runs, keras, r.threshold)) {
    const bound = c.what.startsWith("learned")
      ? `Fisher p = ${c.bound.toFixed(3)}`
      : `|Δ| ${Math.abs(c.graft - c.keras).toFixed(3)} ≤ ${c.bound.toFixed(3)}?`;
    console.log(
      `${c.within ? "within" : "OUTSIDE"} Keras' spread: ${c.what}: graft ${c.graft.toFixed(3)}, keras ${c.keras.toFixed(3)} (${bound})`,
    );
  }
}
