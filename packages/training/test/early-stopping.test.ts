import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { EarlyStopping, type EarlyStoppingOptions } from "../src/index.ts";
import {
  camelArgs,
  drive,
  kerasCallbackCases,
  markWeights,
  tinyModel,
  toyData,
} from "./helpers/drive.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("EarlyStopping matches Keras 3 on fixed logs (test-fixtures/training/callbacks.json)", () => {
  const { cases } = kerasCallbackCases("early_stopping");
  it("has the Keras cases", () => expect(cases.length).toBeGreaterThanOrEqual(12));
  for (const c of cases) {
    it(c.name, async () => {
      const model = tinyModel();
      const cb = new EarlyStopping({
        monitor: c.monitor,
        ...(camelArgs(c.args) as EarlyStoppingOptions),
      });
      const { epochsRun } = await drive(
        model,
        [cb],
        c.values.map((v) => ({ [c.monitor]: v })),
        (epoch) => markWeights(model, epoch),
      );
      const e = c.expected as {
        epochs_run: number;
        stopped_epoch: number | null;
        restored_epoch: number | null;
        best: number | null;
        best_epoch: number;
      };
      expect(epochsRun).toBe(e.epochs_run);
      expect(cb.stoppedEpoch).toBe(e.stopped_epoch);
      expect(cb.best).toBe(e.best);
      expect(cb.bestEpoch).toBe(e.best_epoch);
      if (e.restored_epoch !== null) {
        expect(model.getWeights()[0]!.dataSync()[0]).toBe(e.restored_epoch);
      }
      model.dispose();
    });
  }
});

describe("EarlyStopping resumed mid-run (getState → resumeFrom) ends as an uninterrupted run", () => {
  const { cases } = kerasCallbackCases("early_stopping");
  for (const c of cases.filter((k) => !k.args.restore_best_weights)) {
    it(c.name, async () => {
      const model = tinyModel();
      const logs = c.values.map((v) => ({ [c.monitor]: v }));
      const options = { monitor: c.monitor, ...(camelArgs(c.args) as EarlyStoppingOptions) };
      const whole = new EarlyStopping(options);
      const all = await drive(model, [whole], logs);
      const split = Math.min(Math.floor(logs.length / 2), all.epochsRun - 1);
      const first = new EarlyStopping(options);
      await drive(model, [first], logs.slice(0, split));
      const second = new EarlyStopping(options);
      second.resumeFrom(JSON.parse(JSON.stringify(first.getState())));
      const rest = await drive(model, [second], logs, undefined, split);
      expect(rest.epochsRun).toBe(all.epochsRun);
      expect([second.stoppedEpoch, second.best, second.bestEpoch]).toEqual([
        whole.stoppedEpoch,
        whole.best,
        whole.bestEpoch,
      ]);
      model.dispose();
    });
  }
});

describe("EarlyStopping in a real fit()", () => {
  it("stops on a flat val_loss (tensor logs) and restores the best weights", async () => {
    // Learning rate 0: val_loss never moves, so the second epoch is a tie, not an improvement.
    const model = tinyModel(tf.train.sgd(0));
    const { x, y } = toyData();
    const cb = new EarlyStopping({ patience: 0, restoreBestWeights: true });
    const h = await model.fit(x, y, {
      epochs: 10,
      batchSize: 8,
      validationData: [x, y],
      callbacks: [cb],
      verbose: 0,
      shuffle: false,
    });
    expect(h.epoch).toEqual([0, 1]);
    expect(cb.stoppedEpoch).toBe(1);
    expect(cb.bestEpoch).toBe(0);
    expect(typeof h.history.val_loss?.[0]).toBe("number");
  });

  it("warns (and does nothing) when the monitored metric is missing", async () => {
    const warnings: string[] = [];
    const model = tinyModel();
    const cb = new EarlyStopping({ monitor: "val_acc", onWarning: (m) => warnings.push(m) });
    const { epochsRun } = await drive(model, [cb], [{ loss: 1 }, { loss: 2 }]);
    expect(epochsRun).toBe(2);
    expect(warnings[0]).toMatch(/`val_acc` which is not available\. Available metrics are: loss/);
  });

  it("rejects a negative patience with the argument's name", () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      "Expected a non-negative integer for patience but received -1",
    );
  });
});
