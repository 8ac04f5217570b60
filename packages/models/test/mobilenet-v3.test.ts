/**
 * MobileNetV3Small and MobileNetV3Large against real Keras (test-fixtures/applications):
 * Keras' layers, order, output and weight shapes and parameter totals (Small, Large, Small
 * minimalistic, Large at alpha 0.75, Small at alpha 1.5 where the top widens), Keras' official
 * file names and md5s, and two real networks with seeded weights in the official files' layout
 * (Small at alpha 0.25 with squeeze-and-excitation and hard-swish, 32 px; Large minimalistic at
 * alpha 0.25, 64 px), loaded by position as Keras loads them: features and probabilities in
 * inference and training mode, on tfjs-cpu and graft-cpu, with the model's own rescaling.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import { mobileNetV3Weights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildMobileNetV3,
  MobileNetV3,
  type MobileNetV3Options,
  stageEnds,
} from "../src/index.ts";
import {
  app,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  serveFile,
  tiny,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

const MEMBERS: [string, "small" | "large", MobileNetV3Options][] = [
  ["mobilenetv3small", "small", {}],
  ["mobilenetv3large", "large", {}],
  ["mobilenetv3small_minimalistic", "small", { minimalistic: true }],
  ["mobilenetv3large_0.75", "large", { alpha: 0.75 }],
  ["mobilenetv3small_1.50", "small", { alpha: 1.5 }],
];

/**
 * Keras' class of a graft layer: its squeeze-and-excitation gate is `ReLU(6)(x + 3) * (1/6)`,
 * listed as its ReLU, where graft has one Activation computing the whole.
 */
function kerasClass(layer: tfl.layers.Layer): string {
  const activation = (layer.getConfig() as { activation?: string }).activation;
  return activation === "keras3HardSigmoid" ? "ReLU" : layer.getClassName();
}

describe("MobileNetV3 has Keras' layers, order and parameter counts", () => {
  for (const [key, type, options] of MEMBERS) {
    it(key, () =>
      expectKerasArchitecture(key, (o) => buildMobileNetV3(type, { ...options, ...o }), kerasClass),
    );
  }

  it("takes any size of at least 32 px, with or without the top, and refuses what Keras refuses", () => {
    const model = buildMobileNetV3("small", { weights: null, alpha: 0.25, classes: 3 });
    try {
      expect(model.inputs[0]?.shape).toEqual([null, null, null, 3]);
      for (const [h, w] of [
        [32, 32],
        [48, 96],
      ] as const) {
        const y = model.predict(tf.zeros([1, h, w, 3])) as tf.Tensor;
        expect(y.shape).toEqual([1, 3]);
        y.dispose();
      }
    } finally {
      model.dispose();
    }
    expect(() => buildMobileNetV3("small", { weights: null, inputShape: [31, 64, 3] })).toThrow(
      /at least 32/,
    );
    const refused =
      "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non minimalistic or `1.0` for minimalistic only.";
    expect(() => buildMobileNetV3("large", { alpha: 0.5, weights: "imagenet" })).toThrow(refused);
    expect(() =>
      buildMobileNetV3("large", { alpha: 0.75, minimalistic: true, weights: "imagenet" }),
    ).toThrow(refused);
    expect(() => buildMobileNetV3("small", { weights: null, dropoutRate: 1 })).toThrow(
      /dropoutRate in \[0, 1\)/,
    );
    expect(() => buildMobileNetV3("medium" as never, { weights: null })).toThrow(
      /"small" or "large"/,
    );
    expect(application("MobileNetV3Large")).toMatchObject({
      kerasName: "MobileNetV3Large",
      family: "mobilenet_v3",
      preprocess: "none",
    });
  });

  it("without includePreprocessing the model takes [-1, 1] inputs: no rescaling layer", () => {
    const model = buildMobileNetV3("small", {
      weights: null,
      alpha: 0.25,
      includePreprocessing: false,
    });
    try {
      expect(model.layers.map((l) => l.name).slice(0, 2)).toEqual(["input_layer", "conv"]);
    } finally {
      model.dispose();
    }
  });

  it("its stages end at the residual sums, and the early layer is one of them", () => {
    for (const name of ["mobilenetv3small", "mobilenetv3large"]) {
      const info = application(name);
      const model = info.build({ weights: null, includeTop: false });
      try {
        const ends = stageEnds(model);
        expect(ends.length).toBeGreaterThan(3);
        expect(ends.every((n) => /^expanded_conv_(\d+_)?add$/.test(n))).toBe(true);
        expect(ends).toContain(info.earlyLayer);
      } finally {
        model.dispose();
      }
    }
  });

  it("imagenet: the official files' names, URLs and md5s are Keras'", () => {
    const { base_url, hashes } = kerasWeights("mobilenet_v3");
    expect(Object.keys(hashes).length).toBe(6);
    for (const [key, md5s] of Object.entries(hashes)) {
      const m = /^(small|large)(_minimalistic)?_224_([\d.]+)_float$/.exec(key);
      expect(m, key).not.toBeNull();
      const [, type, minimalistic, alpha] = m as RegExpExecArray;
      const args = [type as "small" | "large", Number(alpha), minimalistic !== undefined] as const;
      const top = mobileNetV3Weights(...args, true);
      const notop = mobileNetV3Weights(...args, false);
      expect(top.url).toBe(`${base_url}weights_mobilenet_v3_${key}.h5`);
      expect(notop.url).toBe(`${base_url}weights_mobilenet_v3_${key}_no_top_v2.h5`);
      expect([top.md5, notop.md5]).toEqual(md5s);
    }
  });

  it("imagenet: a download whose md5 is not Keras' is refused, and nothing is cached or built", async () => {
    const fname = mobileNetV3Weights("small", 1.0, false, false).fname;
    const server = await serveFile(
      `/keras/mobilenet_v3/${fname}`,
      readFileSync(app("mobilenetv3small_tiny.notop.h5")),
    );
    const cacheDir = mkdtempSync(join(tmpdir(), "graft-fetch-"));
    try {
      const before = tf.memory().numTensors;
      await expect(
        MobileNetV3("small", { includeTop: false, cacheDir, baseUrl: server.baseUrl }),
      ).rejects.toMatchObject({ code: "ERR_GRAFT_DOWNLOAD_HASH" });
      expect(server.requests()).toBe(1);
      expect(readdirSync(join(cacheDir, "models"))).not.toContain(fname);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe.each(["cpu", "graft-cpu"])("MobileNetV3 reproduces Keras on %s", (backend) => {
  for (const [key, type] of [
    ["mobilenetv3small_tiny", "small"],
    ["mobilenetv3large_tiny", "large"],
  ] as const) {
    it(`${key}: features, probabilities in inference and training mode`, async () => {
      await tf.setBackend(backend);
      const t = tiny(key);
      const side = readNpyFloat32(app(t.input)).shape[1] as number;
      await expectReproducesKeras(key, "none", (weights) =>
        MobileNetV3(type, {
          ...(t.options as MobileNetV3Options),
          inputShape: [side, side, 3],
          classes: 5,
          weights,
        }),
      );
    });
  }

  it("mobilenetv3small_tiny without its top, from a file without it: Keras' features", async () => {
    await tf.setBackend(backend);
    const model = await MobileNetV3("small", {
      alpha: 0.25,
      includeTop: false,
      weights: app("mobilenetv3small_tiny.notop.h5"),
    });
    const raw = readNpyFloat32(app("input.npy"));
    const x = tf.tensor(raw.data, raw.shape);
    try {
      const got = (model.predict(x) as tf.Tensor).dataSync();
      const want = readNpyFloat32(app("mobilenetv3small_tiny.features.npy")).data;
      expect(relErr(got, want)).toBeLessThan(1e-4);
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
