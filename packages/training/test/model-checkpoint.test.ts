import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { loadKerasModel, loadWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatPath, ModelCheckpoint, type ModelCheckpointOptions } from "../src/index.ts";
import { camelArgs, drive, kerasCallbackCases, tinyModel, toyData } from "./helpers/drive.ts";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-ckpt-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ModelCheckpoint saves the epochs Keras 3 saves (test-fixtures/training/callbacks.json)", () => {
  const { cases } = kerasCallbackCases("model_checkpoint");
  it("has the Keras cases", () => expect(cases.length).toBeGreaterThanOrEqual(3));
  for (const c of cases) {
    it(c.name, async () => {
      const sub = mkdtempSync(join(dir, `${c.name}-`));
      const cb = new ModelCheckpoint({
        filepath: join(sub, "ckpt-{epoch:02d}.weights.h5"),
        monitor: c.monitor,
        saveWeightsOnly: true,
        ...(camelArgs(c.args) as Partial<ModelCheckpointOptions>),
      });
      await drive(
        tinyModel(),
        [cb],
        c.values.map((v) => ({ [c.monitor]: v })),
      );
      const e = c.expected as { saved_epochs: number[]; best: number | null };
      const saved = readdirSync(sub).sort();
      expect(saved).toEqual(
        e.saved_epochs.map((i) => `ckpt-${String(i + 1).padStart(2, "0")}.weights.h5`),
      );
      expect(cb.best).toBe(e.best);
    });
  }
});

describe("ModelCheckpoint in a real fit()", () => {
  for (const ext of ["h5", "keras"] as const) {
    it(`saveBestOnly, whole model (.${ext}): the file holds the best epoch's model`, async () => {
      const sub = mkdtempSync(join(dir, `fit-${ext}-`));
      const model = tinyModel(tf.train.sgd(0.5));
      const { x, y } = toyData();
      const path = join(sub, `best.${ext}`);
      // Validating on flipped labels: the better the fit, the worse val_loss, so the best epoch is early.
      const yFlipped = tf.sub(1, y);
      const snapshots: Float32Array[][] = [];
      const h = await model.fit(x, y, {
        epochs: 4,
        batchSize: 4,
        validationData: [x, yFlipped],
        verbose: 0,
        shuffle: false,
        callbacks: [
          new ModelCheckpoint({ filepath: path, saveBestOnly: true }),
          new (class extends tfl.Callback {
            override async onEpochEnd(): Promise<void> {
              snapshots.push(model.getWeights().map((w) => w.dataSync().slice() as Float32Array));
            }
          })(),
        ],
      });
      const losses = h.history.val_loss as number[];
      const best = losses.indexOf(Math.min(...losses));
      expect(best).toBeLessThan(3);
      const loaded = await loadKerasModel(path);
      expect(loaded.getWeights().map((w) => w.dataSync().slice())).toEqual(snapshots[best]);
      // Nothing but the checkpoint: the temp files were renamed into place.
      expect(readdirSync(sub)).toEqual([`best.${ext}`]);
      loaded.dispose();
    });
  }

  it("saveWeightsOnly with {epoch} and {val_loss} in the name, directories created", async () => {
    const model = tinyModel();
    const { x, y } = toyData();
    const cb = new ModelCheckpoint({
      filepath: join(dir, "runs", "w-{epoch:03d}-{val_loss:.3f}.weights.h5"),
      saveWeightsOnly: true,
    });
    const h = await model.fit(x, y, {
      epochs: 2,
      batchSize: 8,
      validationData: [x, y],
      verbose: 0,
      callbacks: [cb],
    });
    expect(cb.saved.map((p) => p.slice(dir.length + 1))).toEqual(
      (h.history.val_loss as number[]).map((v, i) =>
        join("runs", `w-00${i + 1}-${v.toFixed(3)}.weights.h5`),
      ),
    );
    const fresh = tinyModel();
    await loadWeights(fresh, cb.saved[1]!);
    expect(fresh.getWeights()[0]!.dataSync()).toEqual(model.getWeights()[0]!.dataSync());
  });

  it("checks the path: Keras' extensions, and a clear error for a missing field", async () => {
    expect(() => new ModelCheckpoint({ filepath: "m.json" })).toThrow(
      /must end in \.h5.*or \.keras/,
    );
    expect(() => new ModelCheckpoint({ filepath: "w.keras", saveWeightsOnly: true })).toThrow(
      /saveWeightsOnly the filepath must end in \.weights\.h5/,
    );
    const cb = new ModelCheckpoint({ filepath: join(dir, "x-{val_acc:.2f}.h5") });
    await expect(drive(tinyModel(), [cb], [{ val_loss: 1 }])).rejects.toThrow(
      /no value for \{val_acc\} \(available: val_loss, epoch\)/,
    );
    expect(existsSync(join(dir, "x-.h5"))).toBe(false);
  });
});

describe("formatPath is Python's str.format for the specs Keras users write", () => {
  it.each([
    ["w-{epoch:02d}.h5", { epoch: 3 }, "w-03.h5"],
    ["w-{epoch}.h5", { epoch: 12 }, "w-12.h5"],
    ["w-{epoch:4d}.h5", { epoch: 7 }, "w-   7.h5"],
    ["{val_loss:.2f}", { val_loss: 0.456 }, "0.46"],
    ["{loss:.3e}", { loss: 0.000123456 }, "1.235e-04"],
    ["{loss}", { loss: 0.5 }, "0.5"],
  ])("%s", (pattern, values, out) => expect(formatPath(pattern, values)).toBe(out));
});
