import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { getLearningRate, ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "../src/index.ts";
import { camelArgs, drive, kerasCallbackCases, tinyModel, toyData } from "./helpers/drive.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("ReduceLROnPlateau matches Keras 3 on fixed logs (test-fixtures/training/callbacks.json)", () => {
  const { cases, initialLearningRate } = kerasCallbackCases("reduce_lr_on_plateau");
  it("has the Keras cases", () => expect(cases.length).toBeGreaterThanOrEqual(5));
  for (const c of cases) {
    it(c.name, async () => {
      const optimizer = tf.train.sgd(initialLearningRate);
      const model = tinyModel(optimizer);
      const cb = new ReduceLROnPlateau({
        monitor: c.monitor,
        ...(camelArgs(c.args) as ReduceLROnPlateauOptions),
      });
      const lrs: number[] = [];
      const logs = c.values.map((v) => ({ [c.monitor]: v }));
      // Read the rate after each epoch the way Keras' test did: from the optimizer.
      const { logs: seen } = await drive(
        model,
        [
          cb,
          new (class extends tfl.Callback {
            override async onEpochEnd(): Promise<void> {
              lrs.push(getLearningRate(optimizer));
            }
          })(),
        ],
        logs,
      );
      const e = c.expected as { lr_after_epoch: number[]; logged_learning_rate: number[] };
      expect(lrs).toEqual(e.lr_after_epoch);
      expect(seen.map((l) => l.learning_rate)).toEqual(e.logged_learning_rate);
      model.dispose();
    });
  }
});

describe("the learning rate reaches every tfjs optimizer", () => {
  const optimizers: [string, () => tf.Optimizer][] = [
    ["sgd", () => tf.train.sgd(0.1)],
    ["momentum", () => tf.train.momentum(0.1, 0.9)],
    ["adam", () => tf.train.adam(0.1)],
    ["rmsprop", () => tf.train.rmsprop(0.1)],
  ];
  for (const [name, make] of optimizers) {
    it(`${name}: once reduced to 0 by the callback, training no longer moves the weights`, async () => {
      const model = tinyModel(make());
      const { x, y } = toyData();
      // factor 0 and patience 0: the first non-improving epoch sets the rate to 0.
      const cb = new ReduceLROnPlateau({ monitor: "loss", factor: 0, patience: 0, minDelta: 1e9 });
      const before = model.getWeights().map((w) => w.dataSync().slice());
      await model.fit(x, y, {
        epochs: 2,
        batchSize: 4,
        callbacks: [cb],
        verbose: 0,
        shuffle: false,
      });
      const afterFirstRun = model.getWeights().map((w) => w.dataSync().slice());
      expect(afterFirstRun[0]).not.toEqual(before[0]); // epoch 1 trained at 0.1
      const h = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
      expect(model.getWeights().map((w) => w.dataSync().slice())).toEqual(afterFirstRun);
      expect(h.history.loss).toHaveLength(1);
    });
  }

  it("rejects factor >= 1 as Keras does", () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/factor >= 1.0/);
  });
});
