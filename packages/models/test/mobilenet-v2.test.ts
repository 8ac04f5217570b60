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
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildMobileNetV2,
  MobileNetV2,
  type MobileNetV2Options,
  makeDivisible,
} from "../src/index.ts";
import { expectKerasArchitecture, expectReproducesKeras } from "./application-fixtures.ts";

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

  it("imagenet: says graft does not fetch MobileNetV2's official files yet", async () => {
    await expect(MobileNetV2({ includeTop: false })).rejects.toThrow(
      /does not fetch the official ImageNet weights of mobilenetv2_1.00_224 yet/,
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
