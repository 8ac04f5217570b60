/**
 * VGG against real Keras: narrow VGG-named networks saved by Keras 3 (or in
 * the official files' Keras 1 layout) load into graft's VGG and reproduce
 * Keras' outputs; summaries match Keras' tables.
 */
import { readFileSync } from "node:fs";
import "@tensorflow/tfjs-backend-cpu";
import { fixture, kerasFixture, kerasManifest } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import { loadWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildVGG,
  cutAt,
  freezeLayers,
  preprocessInput,
  summarize,
  unfreezeLayers,
  VGG,
  type VGGOptions,
  type VGGVariant,
} from "../src/index.ts";

const manifest = kerasManifest();
const TINY: VGGOptions = { blockFilters: [4, 8, 8, 16, 16], topUnits: 16, inputShape: [32, 32, 3] };

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function predict(
  model: ReturnType<typeof buildVGG>,
  x: { data: ArrayLike<number>; shape: number[] },
): Float32Array {
  return tf.tidy(
    () =>
      (
        model.predict(tf.tensor(x.data as Float32Array, x.shape)) as tf.Tensor
      ).dataSync() as Float32Array,
  );
}

describe("tiny VGGs load every Keras layout and match Keras' outputs", () => {
  for (const file of manifest.files.filter((f) => f.model.startsWith("vgg"))) {
    it(file.path, async () => {
      const info = manifest.models[file.key];
      if (!info) throw new Error(`no model ${file.key}`);
      const variant = file.model.slice(0, 5) as VGGVariant;
      const model = await VGG(variant, {
        ...TINY,
        includeTop: file.variant === "top",
        classes: 5,
        weights: kerasFixture(file.path),
      });
      const out = predict(model, readNpyFloat32(kerasFixture(info.input)));
      const golden = readNpyFloat32(kerasFixture(info.output));
      expect(
        ([1, ...model.outputs[0]!.shape.slice(1)].reduce(
          (a, b) => (a as number) * (b as number),
          1,
        ) as number) * 2,
      ).toBe(golden.data.length);
      expect(relErr(out, golden.data)).toBeLessThanOrEqual(manifest.tolerance.rel_err);
      model.dispose();
    });
  }
});

describe("cutting VGG19 at block2_pool", () => {
  const info = manifest.models["vgg19_tiny.notop"]!;
  const input = readNpyFloat32(kerasFixture(info.input));
  const golden = readNpyFloat32(kerasFixture(info.goldens.block2_pool!.file));

  it("a cut of the loaded model gives Keras' block2_pool output", async () => {
    const model = await VGG("vgg19", {
      ...TINY,
      includeTop: false,
      weights: kerasFixture("vgg19_tiny.notop.keras1.h5"),
    });
    const cut = cutAt(model, "block2_pool");
    expect(cut.layers.map((l) => l.name).at(-1)).toBe("block2_pool");
    expect(relErr(predict(cut, input), golden.data)).toBeLessThanOrEqual(
      manifest.tolerance.rel_err,
    );
    model.dispose();
  });

  it("a truncated network loads by name from the full notop file", async () => {
    const cut = cutAt(
      buildVGG("vgg19", { ...TINY, includeTop: false, weights: null }),
      "block2_pool",
    );
    // Topologically the counts differ (4 layers vs 16), exactly as in Keras.
    await expect(loadWeights(cut, kerasFixture("vgg19_tiny.notop.keras1.h5"))).rejects.toThrow(
      /Layer count mismatch/,
    );
    const report = await loadWeights(cut, kerasFixture("vgg19_tiny.notop.keras1.h5"), {
      byName: true,
    });
    expect(report.loaded).toEqual(["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2"]);
    expect(relErr(predict(cut, input), golden.data)).toBeLessThanOrEqual(
      manifest.tolerance.rel_err,
    );
  });

  it("an unknown layer name lists the real ones", () => {
    const m = buildVGG("vgg16", { ...TINY, includeTop: false, weights: null });
    expect(() => cutAt(m, "block9_pool")).toThrow(
      /No layer named "block9_pool".*block1_conv1, block1_conv2/,
    );
  });
});

describe("preprocessInput (caffe)", () => {
  it("matches keras.applications.vgg19.preprocess_input", () => {
    const info = manifest.models["vgg19_tiny.notop"]!;
    const x = readNpyFloat32(kerasFixture(info.input));
    const golden = readNpyFloat32(kerasFixture(info.goldens.preprocess_caffe!.file));
    const out = tf.tidy(() =>
      preprocessInput(tf.tensor(x.data as Float32Array, x.shape)).dataSync(),
    );
    let maxAbs = 0;
    for (let i = 0; i < out.length; i++)
      maxAbs = Math.max(maxAbs, Math.abs((out[i] as number) - (golden.data[i] as number)));
    expect(maxAbs).toBeLessThanOrEqual(1e-5 * 255);
  });

  it("rejects images without 3 channels", () => {
    expect(() => preprocessInput(tf.zeros([2, 2, 4]))).toThrow(/3 channels/);
  });
});

/** Rows of a Keras summary table: [name (Type), output shape, params?]. */
function kerasRows(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("│"))
    .map((l) =>
      l
        .split("│")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe("summaries match Keras' tables", () => {
  const cases: [string, VGGVariant, VGGOptions, number][] = [
    ["vgg19_notop_256", "vgg19", { includeTop: false, inputShape: [256, 256, 3] }, 0],
    ["vgg16_notop_224", "vgg16", { includeTop: false, inputShape: [224, 224, 3] }, 0],
    ["vgg19_top_224", "vgg19", { includeTop: true }, 0],
    ["vgg19_notop_256_frozen5", "vgg19", { includeTop: false, inputShape: [256, 256, 3] }, 5],
  ];
  // Building VGG19 with its top draws 143 M initial weights on tfjs-cpu, seven times the
  // 20 M of the no-top cases (5-7 s each in a loaded CI run): over a minute under load.
  for (const [name, variant, options, freeze] of cases) {
    it(name, { timeout: 240_000 }, () => {
      const golden = manifest.summaries[name]!;
      const model = buildVGG(variant, { ...options, weights: null });
      if (freeze) expect(freezeLayers(model, freeze)).toEqual(golden.frozen_layers);
      const s = summarize(model);
      expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([
        golden.total,
        golden.trainable,
        golden.non_trainable,
      ]);
      const rows = kerasRows(readFileSync(fixture("keras", golden.file), "utf8"));
      expect(s.rows.map((r) => `${r.name} (${r.className})`)).toEqual(rows.map((r) => r[0]));
      expect(s.rows.map((r) => r.outputShape)).toEqual(rows.map((r) => r[1]));
      if (rows[0]?.[2])
        expect(s.rows.map((r) => r.params.toLocaleString("en-US"))).toEqual(rows.map((r) => r[2]));
      model.dispose();
    });
  }
});

describe("freezing", () => {
  it("by count (input counts), by name and by pattern", () => {
    const m = buildVGG("vgg19", { ...TINY, includeTop: false, weights: null });
    expect(freezeLayers(m, 3)).toEqual(["input_layer", "block1_conv1", "block1_conv2"]);
    expect(m.trainableWeights.length).toBe(14 * 2);
    expect(freezeLayers(m, ["block5_conv4"])).toEqual(["block5_conv4"]);
    expect(unfreezeLayers(m, /^block1_/)).toEqual(["block1_conv1", "block1_conv2", "block1_pool"]);
    expect(m.nonTrainableWeights.length).toBe(2);
  });

  it("rejects unknown names and counts beyond the model", () => {
    const m = buildVGG("vgg16", { ...TINY, includeTop: false, weights: null });
    expect(() => freezeLayers(m, ["block1_conv9"])).toThrow(/No layer named "block1_conv9"/);
    expect(() => freezeLayers(m, 99)).toThrow(/has 19/);
    expect(() => freezeLayers(m, -1)).toThrow(/non-negative integer/);
  });
});

describe("argument checks", () => {
  it("explains bad options", () => {
    expect(() => buildVGG("vgg19", { inputShape: [16, 16, 3], weights: null })).toThrow(
      /at least 32 but received 16/,
    );
    expect(() => buildVGG("vgg19", { includeTop: true, classes: 10 })).toThrow(
      /classes should be 1000/,
    );
    expect(() => buildVGG("vgg19", { inputShape: [64, 64, 1], weights: null })).toThrow(
      /\[height, width, 3\]/,
    );
  });

  it("imagenet weights that are neither cached nor reachable give one clear error", async () => {
    const keep = { home: process.env.KERAS_HOME, base: process.env.GRAFT_WEIGHTS_BASE_URL };
    process.env.KERAS_HOME = `/tmp/graft-empty-keras-${process.pid}`;
    process.env.GRAFT_WEIGHTS_BASE_URL = "http://127.0.0.1:9/";
    try {
      await expect(VGG("vgg19", { includeTop: false, inputShape: [32, 32, 3] })).rejects.toThrow(
        /vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/,
      );
    } finally {
      if (keep.home === undefined) delete process.env.KERAS_HOME;
      else process.env.KERAS_HOME = keep.home;
      if (keep.base === undefined) delete process.env.GRAFT_WEIGHTS_BASE_URL;
      else process.env.GRAFT_WEIGHTS_BASE_URL = keep.base;
    }
  });
});

describe("random weights are initialised as Keras does", () => {
  // Keras' glorot_uniform: U(−l, l) with l = sqrt(6 / (fan_in + fan_out)), variance l²/3, for
  // every conv and dense kernel; zero biases. tfjs-layers' own default (glorotNormal, a
  // truncated normal without Keras' correction) has 0.77× that variance and no hard bound.
  it("glorot-uniform kernels and zero biases, conv and dense", () => {
    const model = buildVGG("vgg19", {
      ...TINY,
      weights: null,
      classes: 10,
      blockFilters: [16, 32, 64, 64, 64],
      topUnits: 256,
    });
    // Sizes: 432, 36,864, 36,864, 16,384 and 2,560 values. Every value within the bound;
    // the variance (a sample of n uniforms spreads by about 0.9/sqrt(n) of it: under 0.8%
    // for n ≥ 16,384) and the reach to the bound only where n is large enough to tell.
    for (const name of ["block1_conv1", "block3_conv2", "block5_conv4", "fc1", "predictions"]) {
      const [kernel, bias] = model.getLayer(name).getWeights() as [tf.Tensor, tf.Tensor];
      const shape = kernel.shape;
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const fanIn = receptive * (shape.at(-2) as number);
      const fanOut = receptive * (shape.at(-1) as number);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const w = kernel.dataSync() as Float32Array;
      let sum = 0;
      let sq = 0;
      let max = 0;
      for (const v of w) {
        sum += v;
        sq += v * v;
        max = Math.max(max, Math.abs(v));
      }
      expect(max, name).toBeLessThanOrEqual(limit);
      expect(
        Array.from(bias.dataSync()).every((b) => b === 0),
        name,
      ).toBe(true);
      if (w.length < 16_000) continue;
      const variance = sq / w.length - (sum / w.length) ** 2;
      expect(Math.abs(variance / ((limit * limit) / 3) - 1), name).toBeLessThan(0.05);
      expect(max / limit, name).toBeGreaterThan(0.999);
    }
    model.dispose();
  });
});
