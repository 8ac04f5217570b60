/**
 * MobileNet (v1) against real Keras (test-fixtures/applications): Keras' layers, order, output
 * and weight shapes and totals at alpha 1.0 (224 px) and 0.25 (128 px), its convolutional top
 * included (global average pooling that keeps its 1×1 axes), and the real network at alpha
 * 0.25 on 32×32 inputs with seeded weights in the official files' layout: Keras'
 * preprocessing, features and probabilities in inference and training mode, on tfjs-cpu and
 * graft-cpu. Keras' load_model reads graft's checkpoint of it.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { mobileNetWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildMobileNet,
  MobileNet,
  type MobileNetOptions,
  stageEnds,
} from "../src/index.ts";
import {
  expectFetchedOnce,
  expectKerasArchitecture,
  expectKerasFileNames,
  expectReproducesKeras,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

const MEMBERS: [string, MobileNetOptions][] = [
  ["mobilenet", {}],
  ["mobilenet_0.25_128", { alpha: 0.25, inputShape: [128, 128, 3] }],
];

describe("MobileNet has Keras' layers, order and parameter counts", () => {
  for (const [key, options] of MEMBERS) {
    it(key, () => expectKerasArchitecture(key, (o) => buildMobileNet({ ...options, ...o })));
  }

  it("refuses what Keras refuses; stages end before each strided block", () => {
    expect(() => buildMobileNet({ alpha: 0.6, includeTop: false })).toThrow(
      /alpha can be one of`0.25`, `0.50`, `0.75` or `1.0` only/,
    );
    expect(() => buildMobileNet({ depthMultiplier: 2, includeTop: false })).toThrow(
      /depth multiplier must be 1/,
    );
    expect(() => buildMobileNet({ weights: null, dropout: 1 })).toThrow(/dropout in \[0, 1\)/);
    const model = buildMobileNet({
      weights: null,
      includeTop: false,
      alpha: 0.25,
      inputShape: [64, 64, 3],
    });
    expect(stageEnds(model)).toEqual([
      "conv_pw_1_relu",
      "conv_pw_3_relu",
      "conv_pw_5_relu",
      "conv_pw_11_relu",
    ]);
    expect(stageEnds(model)).toContain(application("mobilenet").earlyLayer);
    model.dispose();
  });

  it("imagenet: the file Keras would fetch for each alpha, side and top, by Keras' name", () => {
    expectKerasFileNames("mobilenet_files.json", (a, r, c, top) => mobileNetWeights(a, r, c, top));
    expect(() => mobileNetWeights(0.35, 224, 224, false)).toThrow(/0.25, 0.5, 0.75, 1/);
  });

  it("imagenet: downloads the file into the Keras cache once, over HTTP, and loads it by name", async () => {
    await tf.setBackend("cpu");
    await expectFetchedOnce(
      `/keras/mobilenet/${mobileNetWeights(0.25, 32, 32, false).fname}`,
      "mobilenet_tiny",
      (o) => MobileNet({ ...o, alpha: 0.25 }),
      (o) => MobileNet({ ...o, alpha: 0.5 }),
    );
  });

  it("the top keeps the pooled axes, as Keras' keepdims, and says so in its config", () => {
    const model = buildMobileNet({
      weights: null,
      alpha: 0.25,
      inputShape: [32, 32, 3],
      classes: 3,
    });
    const pool = model.getLayer("global_average_pooling2d");
    expect(pool.outputShape).toEqual([null, 1, 1, 256]);
    expect(pool.getConfig()).toMatchObject({ keepdims: true });
    const y = model.predict(tf.ones([2, 32, 32, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    model.dispose();
  });
});

describe.each(["cpu", "graft-cpu"])(
  "MobileNet (alpha 0.25, 32 px) reproduces Keras on %s",
  (backend) => {
    it("preprocessing, features, probabilities in inference and training mode", async () => {
      await tf.setBackend(backend);
      await expectReproducesKeras("mobilenet_tiny", "tf", (weights) =>
        MobileNet({ alpha: 0.25, dropout: 0, inputShape: [32, 32, 3], classes: 5, weights }),
      );
    });
  },
);
