/**
 * Test helpers: a tiny compiled model, and a driver that runs callbacks the
 * way tfjs-layers' fit loop does, over fixed per-epoch logs (so Keras' goldens
 * in test-fixtures/training/callbacks.json apply exactly).
 */
import { readFileSync } from "node:fs";
import { fixture } from "@graft/test-fixtures";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

export function tinyModel(optimizer: tf.Optimizer = tf.train.sgd(0.1)): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 1,
        inputShape: [2],
        name: "dense",
        kernelInitializer: tfl.initializers.randomNormal({ seed: 1 }),
      }),
    ],
  });
  model.compile({ optimizer, loss: "meanSquaredError" });
  return model;
}

/** Every weight holds `value`, so restored weights tell which epoch they came from. */
export function markWeights(model: tfl.LayersModel, value: number): void {
  model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, value)));
}

export interface DriveResult {
  epochsRun: number;
  logs: Record<string, number>[];
}

/** Runs `callbacks` over `epochLogs` like fit does: begin, per epoch begin/end, stop check, end. */
export async function drive(
  model: tfl.LayersModel,
  callbacks: tfl.Callback[],
  epochLogs: Record<string, number>[],
  onEpochStart?: (epoch: number) => void,
  firstEpoch = 0,
): Promise<DriveResult> {
  for (const cb of callbacks) {
    cb.setModel(model);
    cb.setParams({ epochs: epochLogs.length, samples: 8, batchSize: 8, metrics: [] });
  }
  model.stopTraining = false;
  for (const cb of callbacks) await cb.onTrainBegin();
  const seen: Record<string, number>[] = [];
  let epochsRun = 0;
  for (let epoch = firstEpoch; epoch < epochLogs.length; epoch++) {
    onEpochStart?.(epoch);
    for (const cb of callbacks) await cb.onEpochBegin(epoch);
    const logs = { ...epochLogs[epoch] };
    for (const cb of callbacks) await cb.onEpochEnd(epoch, logs);
    seen.push(logs);
    epochsRun = epoch + 1;
    if (model.stopTraining) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd();
  return { epochsRun, logs: seen };
}

export interface CallbackCase {
  callback: "early_stopping" | "reduce_lr_on_plateau" | "model_checkpoint";
  name: string;
  args: Record<string, number | boolean | string>;
  monitor: string;
  values: number[];
  expected: Record<string, unknown>;
}

export function kerasCallbackCases(callback: CallbackCase["callback"]): {
  initialLearningRate: number;
  cases: CallbackCase[];
} {
  const json = JSON.parse(readFileSync(fixture("training", "callbacks.json"), "utf8")) as {
    initial_learning_rate: number;
    cases: CallbackCase[];
  };
  return {
    initialLearningRate: json.initial_learning_rate,
    cases: json.cases.filter((c) => c.callback === callback),
  };
}

/** Keras' snake_case kwargs → graft's camelCase options. */
export function camelArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [
      k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      v,
    ]),
  );
}

/** Small separable data for real fit() runs. */
export function toyData(n = 16): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((i * 7) % 11) / 11 - 0.5;
    const b = ((i * 5) % 13) / 13 - 0.5;
    xs.push(a, b);
    ys.push(a + b > 0 ? 1 : 0);
  }
  return { x: tf.tensor2d(xs, [n, 2]), y: tf.tensor2d(ys, [n, 1]) };
}
