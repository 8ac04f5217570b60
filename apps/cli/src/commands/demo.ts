import { join } from "node:path";
import { demoFile, demoManifest, demoRecipeOptions } from "@graft/demo";
import { type RunResult, runTraining } from "@graft/scenarios";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { userPath } from "../paths.ts";
import { BACKEND_CHOICES, initTf } from "../tf.ts";
import { progressStream, warnOnce, withCliErrors } from "./common.ts";

export const demoHelp = `Usage: graft demo [--out DIR] [--epochs N] [--backend auto|graft-cpu|cpu|…] [--quiet]

The bundled default, fully offline, a couple of minutes on 2 CPU cores. A small
VGG19-shaped base (widths 8-16-32-64-64, 32×32 inputs) was pretrained by
make_demo_fixtures.py (@graft/demo) on a source domain of drawn shapes; the
demo transfers it to a related target domain (new pictogram classes, other colours and
backgrounds, 40 training pictures per class) with the recipe — base frozen, a new
Flatten → Dense → Dropout → softmax head, augmentation, SGD with momentum, a checkpoint
on the best val_acc, early stopping — and trains the same network from random
initialisation with the same budget, then prints both accuracies. Each run's folder
(best.h5, history.csv, report.html, …) goes under --out (default runs/demo-DATE-TIME).`;

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(demoHelp);
    return 0;
  }
  const { values, positionals } = parse(
    argv,
    {
      out: { type: "string" },
      epochs: { type: "string" },
      backend: { type: "string" },
      quiet: { type: "boolean" },
    },
    "demo",
  );
  if (positionals.length) throw new UsageError(`demo: unexpected argument '${positionals[0]}'`);
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) ?? "auto";
  const m = demoManifest();
  const size = m.inputSize[0];
  const classes = m.target.classes;
  const epochs = positiveInt(values.epochs, "--epochs", m.recipe.epochs) as number;
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const out = userPath(values.out ?? join("runs", `demo-${stamp}`), io.env);
  const log = values.quiet ? () => {} : (l: string) => io.out(l);
  const bar = values.quiet ? { write: () => true, isTTY: false } : progressStream(io);

  return withCliErrors(async () => {
    const tf = await initTf(backend);
    const val = demoFile("target", "val");
    io.out(
      `graft demo on ${tf.getBackend()}: ${classes.length} target classes (${classes.join(", ")}): ${m.target.description}; ${m.target.train} training and ${m.target.val} validation pictures, ${size}×${size}`,
    );
    io.out(
      `base: VGG19-shaped, widths ${m.blockFilters.join("-")}, pretrained on the source domain "${m.source.name}" (${m.source.classes.length} other classes; ${m.weights.file})`,
    );
    const common = { ...demoRecipeOptions(), epochs, patience: 10, seed: 1 };
    const runs: { label: string; r: RunResult; seconds: number }[] = [];
    for (const [label, extra] of [
      [
        "transfer (pretrained base, frozen; new head)",
        {
          scenario: "small-similar",
          weights: demoFile(m.weights.file),
          out: join(out, "transfer"),
        },
      ],
      [
        "from scratch (same network, random init)",
        { scenario: "large-different", init: "random", weights: "none", out: join(out, "scratch") },
      ],
    ] as const) {
      io.out("");
      io.out(`== ${label} ==`);
      const t0 = performance.now();
      const r = await runTraining(
        { ...common, ...extra },
        { log, warn: warnOnce(io), progressStream: bar },
      );
      runs.push({ label, r, seconds: (performance.now() - t0) / 1000 });
    }
    io.out("");
    io.out(
      `== ${epochs} epochs at most, early stopping on val_acc (patience 10), best checkpoint evaluated ==`,
    );
    const width = Math.max(...runs.map((x) => x.label.length));
    for (const { label, r, seconds } of runs) {
      io.out(
        `${label.padEnd(width)}  val accuracy ${(r.evaluation?.accuracy ?? Number.NaN).toFixed(3)}  (best epoch ${(r.bestEpoch ?? 0) + 1} of ${r.epochs}, ${seconds.toFixed(0)} s)  ${join(r.runDir, "report.html")}`,
      );
    }
    io.out(
      `Keras, same recipe and epochs (make_demo_fixtures.py): transfer ${m.results.transfer.valAccuracy.toFixed(3)}, from scratch ${m.results.scratch.valAccuracy.toFixed(3)} (last epoch)`,
    );
    const [a, b] = runs;
    if (a && b && a.r.evaluation && b.r.evaluation) {
      const gap = a.r.evaluation.accuracy - b.r.evaluation.accuracy;
      io.out(
        gap > 0
          ? `Transfer beats training from scratch by ${(100 * gap).toFixed(1)} points.`
          : `Transfer did not beat training from scratch this time (${(100 * gap).toFixed(1)} points).`,
      );
    }
    io.out(
      `Next: graft predict --model ${join(a?.r.runDir ?? out, "best.h5")} ${join(val, classes[0] ?? "")} --top-k 2`,
    );
    return 0;
  });
}
