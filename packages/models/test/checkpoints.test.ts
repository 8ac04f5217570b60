/**
 * graft's own whole-model checkpoints of the families with layers of their own
 * (EfficientNetV2's fixed Normalization, InceptionResNetV2's CustomScaleLayer) reload in graft
 * and predict as before, in both of Keras' formats; the `.keras` config names
 * CustomScaleLayer's module as Keras 3 does, so that Keras' own loader finds the class
 * (keras-interop.test.ts checks Keras' side where Python is found).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { relErr } from "@graft/test-fixtures/compare";
import { loadKerasModel, saveKerasModel, tfjsToKeras3Config } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import { EfficientNetV2, InceptionResNetV2 } from "../src/index.ts";
import { app } from "./application-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "graft-checkpoints-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MEMBERS: [string, number, () => Promise<tfl.LayersModel>][] = [
  [
    "efficientnetv2b0",
    64,
    () =>
      EfficientNetV2("efficientnetv2b0", {
        widthCoefficient: 0.25,
        depthCoefficient: 0.34,
        dropoutRate: 0,
        dropConnectRate: 0,
        inputShape: [64, 64, 3],
        classes: 5,
        weights: app("efficientnetv2b0_tiny.h5"),
      }),
  ],
  [
    "inception_resnet_v2",
    75,
    () =>
      InceptionResNetV2({
        filterScale: 0.0625,
        inputShape: [75, 75, 3],
        classes: 5,
        weights: app("inception_resnet_v2_tiny.h5"),
      }),
  ],
];

describe.each(MEMBERS)("%s", (name, side, load) => {
  it("reloads from .h5 and .keras and predicts the same", async () => {
    const model = await load();
    const x = tf.randomUniform([2, side, side, 3], 0, 255, "float32", 7);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    try {
      for (const ext of ["h5", "keras"]) {
        const path = join(dir, `${name}.${ext}`);
        await saveKerasModel(model, path);
        const back = await loadKerasModel(path);
        expect(back.layers.map((l) => l.getClassName())).toEqual(
          model.layers.map((l) => l.getClassName()),
        );
        const got = (back.predict(x) as tf.Tensor).dataSync();
        expect(relErr(got, want), ext).toBeLessThan(1e-5);
        back.dispose();
      }
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});

it("the .keras config gives CustomScaleLayer Keras 3's module and registered name", async () => {
  const model = await (MEMBERS[1] as (typeof MEMBERS)[number])[2]();
  try {
    const layers = (tfjsToKeras3Config(model).config as { layers: Record<string, unknown>[] })
      .layers;
    const scale = layers.find((l) => l.class_name === "CustomScaleLayer");
    expect(scale).toMatchObject({
      module: "keras.src.applications.inception_resnet_v2",
      registered_name: "CustomScaleLayer",
      config: { scale: 0.17 },
    });
    const conv = layers.find((l) => l.class_name === "Conv2D");
    expect(conv).toMatchObject({ module: "keras.layers", registered_name: null });
  } finally {
    model.dispose();
  }
});
