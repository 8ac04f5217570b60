/**
 * ResNet and ResNetV2 against real Keras (test-fixtures/applications, made by
 * scripts/make_application_fixtures.py):
 *  - every full-size member has Keras' layers in Keras' order, with the same classes, output
 *    shapes and weight shapes, and Keras' parameter totals with and without the top;
 *  - narrow networks built by Keras' own block functions load from the official files' layout
 *    and reproduce Keras' preprocessing, features and probabilities, in inference and in
 *    training mode, on tfjs-cpu and graft-cpu;
 *  - a frozen BatchNormalization runs in inference mode (Keras' rule);
 *  - the official file names and md5s are Keras'.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { kerasFixture } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import { officialWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import {
  APPLICATION_NAMES,
  application,
  buildResNet,
  freezeLayers,
  isFrozenBatchNorm,
  RESNET_VARIANTS,
  ResNet,
  type ResNetStack,
  type ResNetVariant,
  resnetPreprocessMode,
} from "../src/index.ts";
import {
  app,
  arch,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  tiny as tinyEntry,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("full-size ResNets have Keras' layers, order and parameter counts", () => {
  it("lists the same six members as Keras", () => {
    const keras = Object.keys(arch.models).filter((k) => k.startsWith("resnet"));
    expect([...RESNET_VARIANTS].sort()).toEqual(keras.sort());
  });
  for (const variant of RESNET_VARIANTS) {
    it(variant, () => expectKerasArchitecture(variant, (o) => buildResNet(variant, o)));
  }
});

const TINY = [
  ["resnet_tiny_v1", "resnet50"],
  ["resnet_tiny_v2", "resnet50v2"],
] as const;

function tinyOptions(key: string) {
  return {
    stacks: tinyEntry(key).options.stacks as ResNetStack[],
    inputShape: [32, 32, 3] as [number, number, number],
    classes: 5,
    weights: app(`${key}.h5`),
  };
}

describe.each(["cpu", "graft-cpu"])("narrow ResNets reproduce Keras on %s", (backend) => {
  for (const [key, variant] of TINY) {
    it(`${key} (${variant}'s blocks): preprocessing, features, probabilities`, async () => {
      await tf.setBackend(backend);
      await expectReproducesKeras(key, resnetPreprocessMode(variant), (weights) =>
        ResNet(variant, { ...tinyOptions(key), weights }),
      );
    });
  }
});

describe("a frozen BatchNormalization runs in inference mode, as in Keras", () => {
  async function tiny() {
    await tf.setBackend("cpu");
    return ResNet("resnet50", tinyOptions("resnet_tiny_v1"));
  }
  function input() {
    const raw = readNpyFloat32(app("resnet_tiny_v1.preprocessed.npy"));
    return tf.tensor(raw.data, raw.shape);
  }
  const stats = (m: tfl.LayersModel) =>
    m.getLayer("conv1_bn").weights.map((w) => Array.from(w.read().dataSync()));

  it("frozen by layer.trainable: training=true gives the inference output", async () => {
    const model = await tiny();
    const x = input();
    const inference = (model.predict(x) as tf.Tensor).dataSync();
    freezeLayers(model, model.layers.length);
    expect(isFrozenBatchNorm(model.getLayer("conv1_bn"))).toBe(true);
    const before = stats(model);
    const frozen = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(relErr(frozen, inference)).toBeLessThan(1e-6);
    expect(stats(model)).toEqual(before);
    // Unfrozen, the batch statistics make a difference (Keras' train_output golden above),
    // and the moving averages move.
    freezeLayers(model, 0);
    model.layers.forEach((l) => {
      l.trainable = true;
    });
    const training = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(relErr(training, inference)).toBeGreaterThan(1e-3);
    expect(stats(model)).not.toEqual(before);
    model.dispose();
    x.dispose();
  });

  it("frozen by base.trainable = false inside a new model: fit leaves the moving statistics", async () => {
    const base = await tiny();
    base.trainable = false;
    const x = input();
    const head = tfl.layers.dense({ units: 2, activation: "softmax", name: "head" });
    const out = head.apply(base.apply(base.inputs[0] as tfl.SymbolicTensor)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: base.inputs, outputs: out });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    const before = stats(base);
    const y = tf.oneHot(tf.tensor1d([0, 1], "int32"), 2);
    await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    expect(stats(base)).toEqual(before);
    // The base still answers as before fit: nothing of it moved.
    expect(isFrozenBatchNorm(base.getLayer("conv2_block1_1_bn"))).toBe(true);
    base.trainable = true;
    expect(isFrozenBatchNorm(base.getLayer("conv2_block1_1_bn"))).toBe(false);
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(stats(base)).not.toEqual(before);
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe("ResNet's weights and options", () => {
  it("names, folders and md5s of the official files are Keras'", () => {
    const { base_url, hashes } = kerasWeights("resnet");
    for (const variant of RESNET_VARIANTS) {
      const [topMd5, notopMd5] = hashes[variant] as [string, string];
      const top = officialWeights(variant, true);
      const notop = officialWeights(variant, false);
      expect(top.url).toBe(`${base_url}${variant}_weights_tf_dim_ordering_tf_kernels.h5`);
      expect(notop.url).toBe(`${base_url}${variant}_weights_tf_dim_ordering_tf_kernels_notop.h5`);
      expect([top.md5, notop.md5]).toEqual([topMd5, notopMd5]);
    }
  });

  it("a file of another family names the first layer it lacks", async () => {
    await expect(
      ResNet("resnet50", {
        ...tinyOptions("resnet_tiny_v1"),
        weights: kerasFixture("vgg19_tiny.top.keras1.h5"),
      }),
    ).rejects.toThrow(/no weights for layer "conv1_conv" \(Conv2D, \(7, 7, 3, 64\) \(64\)\)/);
  });

  it("a file of another size names the layer and both shapes", async () => {
    await expect(
      ResNet("resnet50", {
        ...tinyOptions("resnet_tiny_v1"),
        stacks: [
          [4, 2],
          [16, 2],
        ],
      }),
    ).rejects.toThrow(
      /layer "conv3_block1_1_conv".*expects shape \(1, 1, 16, 16\).*with shape \(1, 1, 16, 8\)/,
    );
  });

  it("refuses what Keras refuses", () => {
    expect(() => buildResNet("resnet50", { inputShape: [31, 64, 3], includeTop: false })).toThrow(
      /at least 32/,
    );
    expect(() => buildResNet("resnet50", { classes: 10 })).toThrow(/classes should be 1000/);
    expect(() => buildResNet("resnet18" as ResNetVariant)).toThrow(/resnet50, resnet101/);
    expect(() =>
      buildResNet("resnet50v2", {
        weights: null,
        stacks: [
          [4, 1],
          [8, 2],
        ],
      }),
    ).toThrow(/at least 2 blocks/);
  });

  it("application() knows every name, case-insensitively, and lists them for an unknown one", () => {
    for (const name of APPLICATION_NAMES) expect(application(name).name).toBe(name);
    expect(application("ResNet50V2")).toMatchObject({
      kerasName: "ResNet50V2",
      family: "resnet_v2",
      preprocess: "tf",
    });
    expect(application("resnet101").preprocess).toBe("caffe");
    expect(() => application("resnet18")).toThrow(
      `Unknown model "resnet18"; expected one of ${APPLICATION_NAMES.join(", ")}`,
    );
    for (const v of RESNET_VARIANTS) expect(APPLICATION_NAMES).toContain(v);
  });
});
