/**
 * Resume is exact: 4 epochs in one go give the same weights, bit for bit, as
 * 2 epochs in a child process that is then SIGKILLed, plus 2 epochs resumed
 * here from its saved state (cpu backend, tfjs shuffle off, seeded dropout,
 * shuffles from a SeededRandom whose state is saved with the checkpoint).
 * 12 steps per epoch: after 24 Adam steps, tfjs' setWeights value
 * pow(0.999, 25) and the running product Adam really holds differ in float32
 * (and 1 - accBeta2 keeps the difference), so the exact-scalar restore matters.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import "@tensorflow/tfjs-backend-cpu";
import { loadWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getLearningRate,
  hasTrainingState,
  loadTrainingState,
  type RandomState,
  SeededRandom,
  saveTrainingState,
  setLearningRate,
  TrainingError,
} from "../src/index.ts";
import { buildModel, runEpochs, TOTAL_EPOCHS } from "./helpers/resume.ts";

const here = dirname(fileURLToPath(import.meta.url));

function bits(model: tfl.LayersModel): Buffer[] {
  return model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer.slice(0)));
}

/** Trains 2 epochs in a child process, which saves state each epoch and is killed after epoch 2. */
function trainInChildAndKill(dir: string, stopAfter: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // Node itself with tsx as a loader: SIGKILL must reach the process that trains,
    // not a wrapper (pnpm exec / the tsx CLI) that would leave it running as an orphan.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(here, "helpers", "resume.ts"), dir, String(stopAfter)],
      {
        cwd: join(here, ".."),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes(`saved ${stopAfter}`)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || out.includes(`saved ${stopAfter}`)) resolve();
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

let dir: string;
let reference: Buffer[];
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-resume-"));
  const model = buildModel(1);
  await runEpochs(model, new SeededRandom(42), 0, TOTAL_EPOCHS);
  reference = bits(model);
  model.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("saveTrainingState / loadTrainingState", () => {
  it("train(4) == train(2) + kill + resume(2), bit for bit", async () => {
    const run = join(dir, "killed");
    await trainInChildAndKill(run, 2);
    expect(hasTrainingState(run)).toBe(true);
    // A fresh model with different initial weights and a fresh optimizer.
    const model = buildModel(99);
    expect(bits(model)[0]!.equals(reference[0]!)).toBe(false);
    const state = await loadTrainingState(run, { model });
    expect(state.epoch).toBe(2);
    await runEpochs(
      model,
      new SeededRandom(state.rngState as RandomState),
      state.epoch,
      TOTAL_EPOCHS,
    );
    const got = bits(model);
    expect(got.length).toBe(reference.length);
    for (const [i, b] of got.entries()) expect(b.equals(reference[i]!), `weight ${i}`).toBe(true);
    model.dispose();
  }, 180_000);

  it("the test can fail: without the optimizer slots or the RNG state, weights differ", async () => {
    const run = join(dir, "controls");
    const model = buildModel(1);
    const rng = new SeededRandom(42);
    await runEpochs(model, rng, 0, 2);
    const saved = await saveTrainingState(run, { model, epoch: 2, rngState: rng.state() });
    model.dispose();

    const noOptimizer = buildModel(99);
    await loadWeights(noOptimizer, join(saved, "model.weights.h5"));
    await runEpochs(noOptimizer, new SeededRandom(rng.state()), 2, TOTAL_EPOCHS);
    expect(bits(noOptimizer).some((b, i) => !b.equals(reference[i]!))).toBe(true);

    const noRng = buildModel(99);
    await loadTrainingState(run, { model: noRng });
    await runEpochs(noRng, new SeededRandom(42), 2, TOTAL_EPOCHS);
    expect(bits(noRng).some((b, i) => !b.equals(reference[i]!))).toBe(true);
    noOptimizer.dispose();
    noRng.dispose();
  }, 60_000);

  it("keeps epoch, best, learning rate and extras; one state folder; leftovers ignored", async () => {
    const run = join(dir, "meta");
    const model = buildModel(1);
    await runEpochs(model, new SeededRandom(1), 0, 1);
    setLearningRate(model.optimizer, 0.0125);
    await saveTrainingState(run, {
      model,
      epoch: 1,
      best: 0.5,
      rngState: [1, 2, 3, 4],
      extra: { wait: 2 },
    });
    await saveTrainingState(run, {
      model,
      epoch: 2,
      best: 0.25,
      rngState: [5, 6, 7, 8],
      extra: { wait: 0 },
    });
    // A save that died midway leaves a temp folder; it must not be mistaken for state.
    mkdirSync(join(run, ".tmp-state-000003-dead"));
    writeFileSync(join(run, ".tmp-state-000003-dead", "state.json"), "{");
    const fresh = buildModel(2);
    const s = await loadTrainingState(run, { model: fresh });
    expect(s).toMatchObject({ epoch: 2, best: 0.25, rngState: [5, 6, 7, 8], extra: { wait: 0 } });
    expect(getLearningRate(fresh.optimizer)).toBe(Math.fround(0.0125));
    expect(readdirSync(run).filter((f) => f.startsWith("state-"))).toHaveLength(1);
    expect(existsSync(join(run, "latest.json"))).toBe(true);
  });

  it("says what is wrong: no state, or a different optimizer", async () => {
    await expect(loadTrainingState(join(dir, "nothing"))).rejects.toThrow(TrainingError);
    await expect(loadTrainingState(join(dir, "nothing"))).rejects.toThrow(/No training state in/);
    const run = join(dir, "sgd");
    const model = buildModel(1);
    await saveTrainingState(run, { model, epoch: 0 });
    const other = buildModel(1);
    other.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    await expect(loadTrainingState(run, { model: other })).rejects.toThrow(
      /holds KerasAdam optimizer state but the optimizer is SGD/,
    );
  });
});
