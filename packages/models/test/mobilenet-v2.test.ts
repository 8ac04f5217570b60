/**
 * MobileNetV2 against real Keras (test-fixtures/applications): Keras' layers, order, output and
 * weight shapes and parameter totals at three widths and sizes (alpha 1.0 at 224, 0.35 at 96,
 * 1.4 at 224, where the last conv grows past 1280), and the real network at alpha 0.35 on
 * 32×32 inputs with seeded weights in the official files' layout: Keras' preprocessing,
 * features and probabilities, in inference and training mode (there to the precision the
 * golden allows, see below), on tfjs-cpu and graft-cpu.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { mobileNetV2Weights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildMobileNetV2,
  MobileNetV2,
  type MobileNetV2Options,
  makeDivisible,
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

const MEMBERS: [string, MobileNetV2Options][] = [
  ["mobilenetv2", {}],
  ["mobilenetv2_0.35_96", { alpha: 0.35, inputShape: [96, 96, 3] }],
  ["mobilenetv2_1.40_224", { alpha: 1.4 }],
];

describe("MobileNetV2 has Keras' layers, order and parameter counts", () => {
  for (const [key, options] of MEMBERS) {
    it(key, () => expectKerasArchitecture(key, (o) => buildMobileNetV2({ ...options, ...o })));
  }

  it("rounds widths as Keras' _make_divisible, and refuses what Keras refuses", () => {
    expect([makeDivisible(32 * 0.35), makeDivisible(16 * 0.35), makeDivisible(1280 * 1.3)]).toEqual(
      [16, 8, 1664],
    );
    expect(() => buildMobileNetV2({ alpha: 0.6, weights: "imagenet", includeTop: false })).toThrow(
      "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received `alpha=0.6`",
    );
    expect(() => buildMobileNetV2({ alpha: -1, weights: null })).toThrow(/positive alpha/);
    expect(application("mobilenetv2")).toMatchObject({
      kerasName: "MobileNetV2",
      preprocess: "tf",
    });
  });

  it("imagenet: the file Keras would fetch for each alpha, side and top, by Keras' name", () => {
    expectKerasFileNames("mobilenet_v2_files.json", (a, r, c, top) =>
      mobileNetV2Weights(a, r, c, top),
    );
    expect(() => mobileNetV2Weights(0.6, 224, 224, false)).toThrow(/0.35, 0.5, 0.75, 1, 1.3, 1.4/);
  });

  it("imagenet: downloads the file into the Keras cache once, over HTTP, and loads it by name", async () => {
    await tf.setBackend("cpu");
    const fname = mobileNetV2Weights(0.35, 32, 32, false).fname;
    await expectFetchedOnce(
      `/keras/mobilenet_v2/${fname}`,
      "mobilenetv2_tiny",
      (o) => MobileNetV2({ ...o, alpha: 0.35 }),
      (o) => MobileNetV2({ ...o, alpha: 0.5 }),
    );
  });
});

describe.each(["cpu", "graft-cpu"])(
  "MobileNetV2 (alpha 0.35, 32 px) reproduces Keras on %s",
  (backend) => {
    it("preprocessing, features, probabilities in inference and training mode", async () => {
      await tf.setBackend(backend);
      await expectReproducesKeras("mobilenetv2_tiny", "tf", (weights) =>
        MobileNetV2({ alpha: 0.35, inputShape: [32, 32, 3], classes: 5, weights }),
      );
    });
  },
);
