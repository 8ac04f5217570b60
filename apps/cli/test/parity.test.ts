/**
 * Training parity with Keras through `graft train`: the run make_parity_fixtures.py did in
 * real Keras (the same PNG folders, decoded, resized to 32×32 and caffe-preprocessed; the
 * same starting weights, which Keras wrote; layers[:5] frozen; batches in file order; SGD
 * with momentum, then Adam) ends each of its 5 epochs with Keras' loss and val_loss to 1e-4
 * relative and the same accuracies. On graft-cpu, the backend `graft train` picks.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ParityEpoch,
  parityFixture,
  parityGoldens,
  parityMismatches,
} from "@graft/test-fixtures/parity";
import { afterAll, describe, expect, it } from "vitest";
import { graft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-parity-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const g = parityGoldens();

/** history.csv's rows as Keras' History names them. */
function history(path: string): ParityEpoch[] {
  const [head, ...rows] = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const keys = (head as string).split(",");
  return rows.map((r) => {
    const v = Object.fromEntries(r.split(",").map((x, i) => [keys[i], Number(x)]));
    return {
      loss: v.loss,
      accuracy: v.accuracy,
      val_loss: v.val_loss,
      val_accuracy: v.val_accuracy,
    };
  });
}

/** The run's data, starting weights and network, as make_parity_fixtures.py describes it. */
const NETWORK = [
  "--data",
  parityFixture("data", "train"),
  "--weights",
  "none",
  "--initial-weights",
  parityFixture("init.h5"),
  "--block-filters",
  g.config.block_filters.join(","),
  "--input-size",
  String(g.config.input_size),
];

describe("graft train matches a Keras run epoch by epoch", () => {
  for (const name of ["sgd", "adam"] as const) {
    const run = g.runs[name];
    it(`${name} (lr ${run.lr}${run.momentum ? `, momentum ${run.momentum}` : ""})`, () => {
      const out = join(scratch, name);
      const r = graft([
        "train",
        ...NETWORK,
        "--val-data",
        parityFixture("data", "val"),
        "--head",
        g.config.head,
        "--freeze",
        String(g.config.freeze),
        "--augment",
        "none",
        "--shuffle",
        "false",
        "--batch-size",
        String(g.config.batch_size),
        "--epochs",
        String(g.config.epochs),
        "--patience",
        "0",
        "--optimizer",
        run.optimizer,
        "--lr",
        String(run.lr),
        ...(run.momentum ? ["--momentum", String(run.momentum)] : []),
        "--backend",
        "graft-cpu",
        "--out",
        out,
      ]);
      expect(r.code, r.err).toBe(0);
      expect(parityMismatches(history(join(out, "history.csv")), run.epochs)).toEqual([]);
      // The run learns: these are not five flat epochs that any code would match.
      expect(run.epochs.at(-1)?.loss).toBeLessThan(0.8 * (run.epochs[0]?.loss as number));
    }, 180_000);
  }

  it("--initial-weights must cover every layer with weights", () => {
    const r = graft([
      "train",
      ...NETWORK,
      "--head",
      "flatten,dense:16,dense:16,dense:16",
      "--out",
      join(scratch, "uncovered"),
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("holds no weights for head_dense_3");
  }, 120_000);
});
