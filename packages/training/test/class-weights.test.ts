import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { balancedClassWeights, classCounts } from "../src/index.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("balanced class weights: n_samples / (n_classes × count)", () => {
  it("from counts", () => {
    expect(balancedClassWeights([6, 2, 4])).toEqual({ 0: 12 / 18, 1: 12 / 6, 2: 12 / 12 });
  });
  it("from integer labels and from one-hot rows give the same weights", () => {
    const labels = [0, 0, 0, 1, 2, 2];
    expect(classCounts(labels)).toEqual([3, 1, 2]);
    const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
    expect(classCounts(oneHot)).toEqual([3, 1, 2]);
    expect(balancedClassWeights(oneHot)).toEqual(
      balancedClassWeights(labels, { fromLabels: true }),
    );
    expect(balancedClassWeights([3, 1, 2])).toEqual({ 0: 6 / 9, 1: 2, 2: 1 });
  });
  it("a class without samples is an error naming the class", () => {
    expect(() => balancedClassWeights([3, 0, 2])).toThrow(/Class 1 has no samples/);
    expect(classCounts([0, 2], 4)).toEqual([1, 0, 1, 0]);
    expect(() => classCounts([0, 1.5])).toThrow(/for labels\[1\] but received 1.5/);
  });
});

describe("tfjs-layers fit({classWeight}) applies them as per-sample loss weights", () => {
  it("the logged loss is mean(loss_i × weight[y_i])", async () => {
    const x = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
      [0.5, -1],
      [-1, 0.5],
      [2, 0],
    ]);
    const labels = [0, 0, 0, 0, 1, 2];
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 3);
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({
          units: 3,
          inputShape: [2],
          activation: "softmax",
          kernelInitializer: tfl.initializers.randomNormal({ seed: 3 }),
        }),
      ],
    });
    // Learning rate 0: the epoch's loss is the loss of the untouched model.
    model.compile({ optimizer: tf.train.sgd(0), loss: "categoricalCrossentropy" });
    const weights = balancedClassWeights(y);
    const p = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const perSample = labels.map((c, i) => -Math.log(p[i]![c]!));
    const plain = perSample.reduce((a, b) => a + b, 0) / labels.length;
    const weighted = perSample.reduce((a, l, i) => a + l * weights[labels[i]!]!, 0) / labels.length;
    const h1 = await model.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0, classWeight: weights });
    const h0 = await model.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
    expect(h0.history.loss![0]).toBeCloseTo(plain, 5);
    expect(h1.history.loss![0]).toBeCloseTo(weighted, 5);
    expect(Math.abs(weighted - plain)).toBeGreaterThan(0.005);
  });
});
