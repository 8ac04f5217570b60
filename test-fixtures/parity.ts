/**
 * test-fixtures/parity/: one fine-tune run done by real Keras (make_parity_fixtures.py),
 * for graft's training to match epoch by epoch.
 */
import { readFileSync } from "node:fs";
import { fixture } from "./index.ts";

/** One epoch's end, as Keras' History holds it. */
export interface ParityEpoch {
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
}

/** One optimizer's run. */
export interface ParityRun {
  optimizer: "sgd" | "adam";
  lr: number;
  momentum?: number;
  /** The initial weights' loss on the validation images, before any step. */
  initial_val_loss: number;
  epochs: ParityEpoch[];
}

export interface ParityGoldens {
  classes: string[];
  config: {
    input_size: number;
    block_filters: number[];
    head: string;
    freeze: number;
    batch_size: number;
    epochs: number;
    train_images: number;
  };
  runs: Record<"sgd" | "adam", ParityRun>;
  versions: Record<string, string>;
}

/** A file or folder in test-fixtures/parity/. */
export function parityFixture(...parts: string[]): string {
  return fixture("parity", ...parts);
}

export function parityGoldens(): ParityGoldens {
  return JSON.parse(readFileSync(parityFixture("goldens.json"), "utf8")) as ParityGoldens;
}

/**
 * Where `got` (per epoch: loss, accuracy, val_loss, val_accuracy) is not Keras' run: losses
 * beyond `rel` relative, accuracies not equal (they are counts over the same images).
 * Empty when it matches.
 */
export function parityMismatches(got: ParityEpoch[], want: ParityEpoch[], rel = 1e-4): string[] {
  const out: string[] = [];
  if (got.length !== want.length) out.push(`${got.length} epochs, Keras ran ${want.length}`);
  want.forEach((w, e) => {
    const g = got[e];
    if (!g) return;
    for (const k of ["loss", "val_loss"] as const) {
      const err = Math.abs(g[k] - w[k]) / Math.abs(w[k]);
      if (!(err <= rel))
        out.push(`epoch ${e + 1} ${k}: ${g[k]} vs Keras ${w[k]} (${err.toExponential(1)})`);
    }
    for (const k of ["accuracy", "val_accuracy"] as const) {
      if (!(Math.abs(g[k] - w[k]) < 1e-6))
        out.push(`epoch ${e + 1} ${k}: ${g[k]} vs Keras ${w[k]}`);
    }
  });
  return out;
}
