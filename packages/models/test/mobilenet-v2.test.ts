/**
 * MobileNetV2 against real Keras (test-fixtures/applications): Keras' layers, order, output and
 * weight shapes and parameter totals at three widths and sizes (alpha 1.0 at 224, 0.35 at 96,
 * 1.4 at 224, where the last conv grows past 1280), and the real network at alpha 0.35 on
 * 32×32 inputs with seeded weights in the official files' layout: Keras' preprocessing,
 * features and probabilities, in inference and training mode (there to the precision the
 * golden allows, see below), on tfjs-cpu and graft-cpu.
 */
import { readFileSync } from "node:fs";
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { fixture } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildMobileNetV2,
  MobileNetV2,
  type MobileNetV2Options,
  makeDivisible,
  preprocessInput,
  summarize,
} from "../src/index.ts";

type Row = [string, string, unknown, number[][]];
interface Totals {
  total: number;
  trainable: number;
  non_trainable: number;
}
const arch = JSON.parse(readFileSync(fixture("applications", "architectures.json"), "utf8")) as {
  models: Record<
    string,
    { keras_name: string; params_top: Totals; params_notop: Totals; layers: Row[] }
  >;
};
const manifest = JSON.parse(readFileSync(fixture("applications", "manifest.json"), "utf8")) as {
  tiny: Record<
    string,
    { feature_layer: string; params: Totals; layers: string[]; train_output_sensitivity: number }
  >;
};
const app = (...p: string[]) => fixture("applications", ...p);

afterAll(async () => {
  await tf.setBackend("cpu");
});

function totals(model: tfl.LayersModel): Totals {
  const s = summarize(model);
  return {
    total: s.totalParams,
    trainable: s.trainableParams,
    non_trainable: s.nonTrainableParams,
  };
}

const MEMBERS: [string, MobileNetV2Options][] = [
  ["mobilenetv2", {}],
  ["mobilenetv2_0.35_96", { alpha: 0.35, inputShape: [96, 96, 3] }],
  ["mobilenetv2_1.40_224", { alpha: 1.4 }],
];

describe("MobileNetV2 has Keras' layers, order and parameter counts", () => {
  for (const [key, options] of MEMBERS) {
    it(key, () => {
      const want = arch.models[key];
      if (!want) throw new Error(`no Keras architecture for ${key}`);
      const model = buildMobileNetV2({ ...options, weights: null });
      try {
        expect(model.name).toBe(want.keras_name);
        const got = model.layers.map((l) => [
          l.name,
          l.getClassName(),
          l.outputShape,
          l.weights.map((w) => w.shape),
        ]);
        expect(got.length).toBe(want.layers.length);
        for (let i = 0; i < got.length; i++) expect(got[i], `layer #${i}`).toEqual(want.layers[i]);
        expect(totals(model)).toEqual(want.params_top);
      } finally {
        model.dispose();
      }
      const notop = buildMobileNetV2({ ...options, weights: null, includeTop: false });
      try {
        expect(totals(notop)).toEqual(want.params_notop);
      } finally {
        notop.dispose();
      }
    });
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
      const t = manifest.tiny.mobilenetv2_tiny;
      if (!t) throw new Error("no mobilenetv2_tiny");
      const model = await MobileNetV2({
        alpha: 0.35,
        inputShape: [32, 32, 3],
        classes: 5,
        weights: app("mobilenetv2_tiny.h5"),
      });
      try {
        expect(model.layers.map((l) => l.name)).toEqual(t.layers);
        expect(totals(model)).toEqual(t.params);
        const raw = readNpyFloat32(app("input.npy"));
        const x = tf.tensor(raw.data, raw.shape);
        const px = preprocessInput(x, "tf");
        expect(
          relErr(px.dataSync(), readNpyFloat32(app("mobilenetv2_tiny.preprocessed.npy")).data),
        ).toBeLessThan(1e-6);
        const features = tfl.model({
          inputs: model.inputs,
          outputs: model.getLayer(t.feature_layer).output as tfl.SymbolicTensor,
        });
        const got = {
          features: (features.predict(px) as tf.Tensor).dataSync(),
          output: (model.predict(px) as tf.Tensor).dataSync(),
          train_output: (model.apply(px, { training: true }) as tf.Tensor).dataSync(),
        };
        // In training mode the last layers (1×1 here) normalise over a batch of two: Keras' own
        // output moves by `train_output_sensitivity` for a 1e-6 change of the input, so that
        // golden is held to ten times that, the others to 1e-4.
        const trainTol = Math.max(1e-4, 10 * t.train_output_sensitivity);
        expect(trainTol).toBeLessThan(0.02);
        for (const [name, values] of Object.entries(got)) {
          const want = readNpyFloat32(app(`mobilenetv2_tiny.${name}.npy`)).data;
          const tol = name === "train_output" ? trainTol : 1e-4;
          expect(relErr(values, want), name).toBeLessThan(tol);
        }
        tf.dispose([x, px]);
      } finally {
        model.dispose();
      }
    });
  },
);
