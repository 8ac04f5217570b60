/**
 * EfficientNetV2B0 … L against real Keras (test-fixtures/applications): Keras' layers, order,
 * output and weight shapes and totals for every member, and Keras' own EfficientNetV2(width
 * 0.25, no dropout) with B0's blocks and normalization and with S's blocks and [-1, 1]
 * rescaling, on 64×64 inputs with seeded weights in the official files' layout, loaded by
 * position as Keras loads them: Keras' features and probabilities from raw 0–255 pixels, in
 * inference and training mode, on tfjs-cpu and graft-cpu.
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
  buildEfficientNetV2,
  EFFICIENTNET_V2_VARIANTS,
  EfficientNetV2,
  type EfficientNetV2Variant,
  Normalization,
  stageEnds,
} from "../src/index.ts";
import {
  arch,
  expectGradientsMatchCpu,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  tiny,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

const options = (key: string) => ({
  ...(tiny(key).options as { widthCoefficient: number; depthCoefficient: number }),
  inputShape: [64, 64, 3] as [number, number, number],
  classes: 5,
});

describe("EfficientNetV2s have Keras' layers, order and parameter counts", () => {
  it("lists the same seven members as Keras", () => {
    const keras = Object.keys(arch.models).filter((k) => k.startsWith("efficientnetv2"));
    expect([...EFFICIENTNET_V2_VARIANTS].sort()).toEqual(keras.sort());
  });
  for (const variant of EFFICIENTNET_V2_VARIANTS) {
    it(variant, () => expectKerasArchitecture(variant, (o) => buildEfficientNetV2(variant, o)));
  }
});

const TINY: [string, EfficientNetV2Variant][] = [
  ["efficientnetv2b0_tiny", "efficientnetv2b0"],
  ["efficientnetv2s_tiny", "efficientnetv2s"],
];

describe.each(["cpu", "graft-cpu"])("small EfficientNetV2s reproduce Keras on %s", (backend) => {
  for (const [key, variant] of TINY) {
    it(`Keras' EfficientNetV2 with ${variant}'s blocks: features, probabilities from raw pixels`, async () => {
      await tf.setBackend(backend);
      await expectReproducesKeras(key, "none", (weights) =>
        EfficientNetV2(variant, { ...options(key), weights }),
      );
    });
  }
});

describe("EfficientNetV2 trains on graft-cpu as on tfjs-cpu", () => {
  for (const [key, variant] of TINY) {
    it(`${variant}'s blocks: every weight's gradient in training mode`, () =>
      expectGradientsMatchCpu(key, (weights) =>
        EfficientNetV2(variant, { ...options(key), weights }),
      ));
  }
});

describe("EfficientNetV2's weights, options and layers", () => {
  it("names, URLs and md5s of the official files are Keras'", () => {
    const { base_url, hashes } = kerasWeights("efficientnet_v2");
    for (const variant of EFFICIENTNET_V2_VARIANTS) {
      const member = arch.models[variant]?.keras_name;
      const top = officialWeights(variant, true);
      const notop = officialWeights(variant, false);
      expect(top.url).toBe(`${base_url}${member}.h5`);
      expect(notop.url).toBe(`${base_url}${member}_notop.h5`);
      expect([top.md5, notop.md5]).toEqual(hashes[variant]);
      expect(officialWeights(variant, false, "http://127.0.0.1:9/m/").url).toBe(
        `http://127.0.0.1:9/m/efficientnet_v2/${member}_notop.h5`,
      );
    }
  });

  it("B members normalise by fixed ImageNet statistics, S/M/L rescale to [-1, 1]; both can be left out", () => {
    const x = tf.tensor4d([0, 127.5, 255], [1, 1, 1, 3]);
    const first = (variant: EfficientNetV2Variant, includePreprocessing?: boolean) =>
      buildEfficientNetV2(variant, {
        weights: null,
        includeTop: false,
        ...(includePreprocessing !== undefined && { includePreprocessing }),
      });
    const b0 = first("efficientnetv2b0");
    const s = first("efficientnetv2s");
    const bare = first("efficientnetv2m", false);
    try {
      expect(b0.layers.slice(1, 3).map((l) => l.name)).toEqual(["rescaling", "normalization"]);
      expect(b0.getLayer("normalization").weights).toEqual([]);
      const y = b0.getLayer("normalization").apply(b0.getLayer("rescaling").apply(x)) as tf.Tensor;
      const want = [0, 0.5, 1].map(
        (v, i) => (v - [0.485, 0.456, 0.406][i]!) / [0.229, 0.224, 0.225][i]!,
      );
      expect(relErr(y.dataSync(), want)).toBeLessThan(1e-6);
      const z = s.getLayer("rescaling").apply(x) as tf.Tensor;
      expect(Array.from(z.dataSync())).toEqual([-1, 127.5 / 128 - 1, 255 / 128 - 1]);
      expect(s.layers[2]?.name).toBe("stem_conv");
      expect(bare.layers[1]?.name).toBe("stem_conv");
      tf.dispose([y, z]);
    } finally {
      for (const m of [b0, s, bare]) m.dispose();
      x.dispose();
    }
  });

  it("the fixed Normalization is Keras' and round-trips through tfjs' JSON", () => {
    const layer = new Normalization({ axis: -1, mean: [1, 2], variance: 4, name: "fixed" });
    const input = tfl.input({ shape: [2] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const y = model.predict(tf.tensor2d([[3, 2]])) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual([1, 0]);
    const json = JSON.parse(JSON.stringify(model.toJSON(null, false)));
    expect(json.config.layers[1].config).toMatchObject({ mean: [1, 2], variance: [4] });
    expect(() => new Normalization({ mean: [1] })).toThrow(/the other must be set too/);
    expect(() => new Normalization({ mean: [], variance: [] })).toThrow(/non-empty list/);
    const wrong = new Normalization({ mean: [1, 2, 3], variance: 1 });
    expect(() => wrong.apply(tfl.input({ shape: [2] }))).toThrow(/3 values for 2 channels/);
    y.dispose();
    model.dispose();
  });

  it("refuses what Keras refuses; stages end at each stage's last block", () => {
    expect(() => buildEfficientNetV2("efficientnetv2s", { classes: 10 })).toThrow(
      /classes should be 1000/,
    );
    expect(() => buildEfficientNetV2("efficientnetv2xl" as "efficientnetv2s")).toThrow(
      /efficientnetv2b0, efficientnetv2b1/,
    );
    expect(() => buildEfficientNetV2("efficientnetv2b0", { widthCoefficient: 0.5 })).toThrow(
      /drop widthCoefficient/,
    );
    expect(() =>
      buildEfficientNetV2("efficientnetv2b0", { weights: null, dropoutRate: 1 }),
    ).toThrow(/dropoutRate in \[0, 1\)/);
    expect(() => buildEfficientNetV2("efficientnetv2m", { inputShape: [224, 224, 3] })).toThrow(
      /\[480, 480, 3\]/,
    );
    expect(application("efficientnetv2b3")).toMatchObject({
      family: "efficientnet_v2",
      defaultSize: 300,
      preprocess: "none",
    });
    expect(application("EfficientNetV2L").defaultSize).toBe(480);
    const model = buildEfficientNetV2("efficientnetv2b0", {
      weights: null,
      includeTop: false,
      inputShape: [64, 64, 3],
    });
    try {
      expect(stageEnds(model)).toEqual([
        "block1a_project_activation",
        "block2b_add",
        "block3b_add",
        "block4c_add",
        "block5e_add",
        "block6h_add",
      ]);
      expect(stageEnds(model)).toContain(application("efficientnetv2b0").earlyLayer);
    } finally {
      model.dispose();
    }
    expect(application("efficientnetv2s").earlyLayer).toBe("block2d_add");
    expect(application("efficientnetv2l").earlyLayer).toBe("block2g_add");
    expect(application("efficientnetv2b1").earlyLayer).toBe("block2c_add");
  });

  it("drop-connect grows along the blocks over Keras' unscaled block count", () => {
    const model = buildEfficientNetV2("efficientnetv2b1", { weights: null, includeTop: false });
    try {
      const rates = model.layers
        .filter((l) => l.name.endsWith("_drop"))
        .map((l) => (l.getConfig() as { rate: number }).rate);
      // B1 runs 27 blocks but Keras divides by B0's 21, so the last rate passes 0.2.
      expect(rates.at(-1)).toBeCloseTo((0.2 * 26) / 21, 12);
      expect(rates.every((r, i) => i === 0 || r > (rates[i - 1] as number))).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
