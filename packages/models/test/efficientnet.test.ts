/**
 * EfficientNetB0 … B7 against real Keras (test-fixtures/applications): Keras' layers, order,
 * output and weight shapes and totals for every member, and Keras' own EfficientNet(width 0.25,
 * depth 0.34, no dropout: Keras' own arguments) on 64×64 inputs with seeded weights (its Normalization statistics included) in
 * the official files' layout, loaded by position as Keras loads them: Keras' features and
 * probabilities from raw 0–255 pixels (the model preprocesses itself), in inference and
 * training mode, on tfjs-cpu and graft-cpu. The official files and the layer Keras adds for
 * them are Keras'.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { relErr } from "@graft/test-fixtures/compare";
import { officialWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildEfficientNet,
  EFFICIENTNET_VARIANTS,
  EfficientNet,
  Normalization,
  stageEnds,
} from "../src/index.ts";
import {
  arch,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  tiny,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

const TINY = () => {
  const o = tiny("efficientnet_tiny").options as {
    widthCoefficient: number;
    depthCoefficient: number;
  };
  return { ...o, inputShape: [64, 64, 3] as [number, number, number], classes: 5 };
};

describe("EfficientNets have Keras' layers, order and parameter counts", () => {
  it("lists the same eight members as Keras", () => {
    const keras = Object.keys(arch.models).filter((k) => /^efficientnetb\d$/.test(k));
    expect([...EFFICIENTNET_VARIANTS].sort()).toEqual(keras.sort());
  });
  for (const variant of EFFICIENTNET_VARIANTS) {
    it(variant, () => expectKerasArchitecture(variant, (o) => buildEfficientNet(variant, o)));
  }
});

describe.each(["cpu", "graft-cpu"])("a small EfficientNet reproduces Keras on %s", (backend) => {
  it("Keras' EfficientNet(0.25, 0.34): features, probabilities from raw pixels", async () => {
    await tf.setBackend(backend);
    await expectReproducesKeras("efficientnet_tiny", "none", (weights) =>
      EfficientNet("efficientnetb0", { ...TINY(), weights }),
    );
  });
});

describe("EfficientNet's weights, options and layers", () => {
  it("names, URLs and md5s of the official files are Keras' (outside the usual prefix)", () => {
    const { base_url, hashes } = kerasWeights("efficientnet");
    for (const variant of EFFICIENTNET_VARIANTS) {
      const top = officialWeights(variant, true);
      const notop = officialWeights(variant, false);
      expect(top.url).toBe(`${base_url}${variant}.h5`);
      expect(notop.url).toBe(`${base_url}${variant}_notop.h5`);
      expect([top.md5, notop.md5]).toEqual(hashes[variant]);
      // A mirror serves them under efficientnet/.
      expect(officialWeights(variant, false, "http://127.0.0.1:9/m/").url).toBe(
        `http://127.0.0.1:9/m/efficientnet/${variant}_notop.h5`,
      );
    }
  });

  it("with imagenet weights Keras' correcting rescaling follows the normalization", () => {
    const model = buildEfficientNet("efficientnetb0", { includeTop: false, weights: "imagenet" });
    try {
      const names = model.layers.slice(0, 5).map((l) => l.name);
      expect(names).toEqual([
        "input_layer",
        "rescaling",
        "normalization",
        "rescaling_1",
        "stem_conv_pad",
      ]);
      const x = tf.ones([1, 1, 1, 3]);
      const y = model.getLayer("rescaling_1").apply(x) as tf.Tensor;
      const want = [0.229, 0.224, 0.225].map((s) => 1 / Math.sqrt(s));
      expect(Array.from(y.dataSync())).toEqual(want.map((v) => Math.fround(v)));
    } finally {
      model.dispose();
    }
    // Without them (weights null or a file), Keras adds none.
    const plain = buildEfficientNet("efficientnetb0", { includeTop: false, weights: null });
    expect(plain.layers.map((l) => l.name)).not.toContain("rescaling_1");
    plain.dispose();
  });

  it("Normalization is Keras' (x − mean) / max(√variance, 1e-7), and round-trips through tfjs' JSON", () => {
    const layer = new Normalization({ axis: 3, name: "n" });
    const input = tfl.input({ shape: [2, 2, 3] });
    const out = layer.apply(input) as tfl.SymbolicTensor;
    layer.setWeights([tf.tensor1d([0.5, 0.25, 0]), tf.tensor1d([4, 0, 1]), tf.scalar(7)]);
    const x = tf.tensor4d([1, 1, 1, 0, 0, 0, 2, 2, 2, 1, 0.25, -1], [1, 2, 2, 3]);
    const y = Array.from((layer.apply(x) as tf.Tensor).dataSync());
    const want = [0.25, 0.75e7, 1, -0.25, -0.25e7, 0, 0.75, 1.75e7, 2, 0.25, 0, -1];
    expect(relErr(y, want)).toBeLessThan(1e-6);
    const model = tfl.model({ inputs: input, outputs: out });
    const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
    const cfg = json.config.layers[1];
    expect(cfg).toMatchObject({
      class_name: "Normalization",
      config: { axis: [3], mean: null, variance: null, invert: false },
    });
    expect(() => new Normalization({ axis: [1, 2] })).toThrow(/exactly one axis/);
    model.dispose();
  });

  it("refuses what Keras refuses; stages end at each stage's last block", () => {
    expect(() => buildEfficientNet("efficientnetb0", { classes: 10 })).toThrow(
      /classes should be 1000/,
    );
    expect(() => buildEfficientNet("efficientnetb9" as "efficientnetb0")).toThrow(
      /efficientnetb0, efficientnetb1/,
    );
    expect(() => buildEfficientNet("efficientnetb0", { widthCoefficient: 0.5 })).toThrow(
      /drop widthCoefficient/,
    );
    expect(() =>
      buildEfficientNet("efficientnetb0", { weights: null, depthCoefficient: -1 }),
    ).toThrow(/positive depthCoefficient/);
    expect(() => buildEfficientNet("efficientnetb0", { weights: null, dropoutRate: 1 })).toThrow(
      /dropoutRate in \[0, 1\)/,
    );
    const still = buildEfficientNet("efficientnetb0", {
      weights: null,
      dropoutRate: 0,
      dropConnectRate: 0,
      inputShape: [32, 32, 3],
    });
    expect(still.layers.filter((l) => l.getClassName() === "Dropout")).toEqual([]);
    still.dispose();
    expect(application("efficientnetb3")).toMatchObject({ defaultSize: 300, preprocess: "none" });
    expect(application("efficientnetb7").defaultSize).toBe(600);
    const model = buildEfficientNet("efficientnetb0", {
      weights: null,
      includeTop: false,
      inputShape: [64, 64, 3],
    });
    expect(stageEnds(model)).toEqual([
      "block1a_project_bn",
      "block2b_add",
      "block3b_add",
      "block4c_add",
      "block5c_add",
      "block6d_add",
      "block7a_project_bn",
    ]);
    expect(stageEnds(model)).toContain(application("efficientnetb0").earlyLayer);
    model.dispose();
    expect(application("efficientnetb7").earlyLayer).toBe("block2g_add");
  });
});
