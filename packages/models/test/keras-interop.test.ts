/**
 * Files graft writes are read by Python Keras: graft loads the Keras goldens,
 * writes them back in the Keras 2 layout and in Keras 3's `.weights.h5`, and
 * test-fixtures/scripts/check_graft_files.py loads those with Keras' own
 * loaders and compares predictions. Needs python3 with keras; without it the
 * test is skipped and says so (the same files are also re-read by graft in the
 * weights package's round-trip tests, which always run). The same holds for ResNet
 * checkpoints: whole-model files graft saves are rebuilt by keras.models.load_model.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixture, kerasFixture } from "@graft/test-fixtures";
import { readNpyFloat32, writeNpy } from "@graft/test-fixtures/npy";
import { findPython } from "@graft/test-fixtures/python";
import { saveKerasModel, saveWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DenseNet,
  EfficientNet,
  EfficientNetV2,
  InceptionResNetV2,
  InceptionV3,
  MobileNet,
  MobileNetV2,
  MobileNetV3,
  NASNet,
  ResNet,
  VGG,
  Xception,
} from "../src/index.ts";

const python = findPython("keras, h5py") ?? "python3";
const hasKeras = findPython("keras, h5py") !== null;
if (!hasKeras) {
  console.log(
    `[skip] Keras interop: ${python} cannot import keras/h5py (pip install tensorflow-cpu keras h5py)`,
  );
}

const dir = mkdtempSync(join(tmpdir(), "graft-interop-"));
beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasKeras)("Python Keras loads what graft writes", () => {
  it("vgg19_tiny notop/top and vgg16_tiny, Keras 2 and Keras 3 layouts", async () => {
    const tiny = {
      blockFilters: [4, 8, 8, 16, 16] as [number, number, number, number, number],
      topUnits: 16,
      classes: 5,
      inputShape: [32, 32, 3] as [number, number, number],
    };
    for (const [key, variant, includeTop] of [
      ["vgg19_tiny.notop", "vgg19", false],
      ["vgg19_tiny.top", "vgg19", true],
      ["vgg16_tiny.notop", "vgg16", false],
    ] as const) {
      const model = await VGG(variant, {
        ...tiny,
        includeTop,
        weights: kerasFixture(`${key}.keras1.h5`),
      });
      await saveWeights(model, join(dir, `${key}.keras2.h5`));
      await saveWeights(model, join(dir, `${key}.weights.h5`));
      model.dispose();
    }
    const r = spawnSync(python, [fixture("scripts", "check_graft_files.py"), dir], {
      encoding: "utf8",
      timeout: 300_000,
    });
    const results = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { file: string; ok: boolean; error: string | null });
    expect(results.map((x) => x.file).sort()).toEqual([
      "vgg16_tiny.notop.keras2.h5",
      "vgg16_tiny.notop.weights.h5",
      "vgg19_tiny.notop.keras2.h5",
      "vgg19_tiny.notop.weights.h5",
      "vgg19_tiny.top.keras2.h5",
      "vgg19_tiny.top.weights.h5",
    ]);
    for (const x of results) expect(x, `${x.file}: ${x.error}`).toMatchObject({ ok: true });
    expect(r.status).toBe(0);
  }, 600_000);
});

describe.skipIf(!hasKeras)("Python Keras loads the applications' checkpoints graft writes", () => {
  it("narrow ResNet, ResNetV2 and MobileNetV3Small (.h5 and .keras), MobileNetV2, MobileNetV3Large, DenseNet, Xception, InceptionV3, EfficientNet (.h5): keras.models.load_model predicts the same", async () => {
    const out = mkdtempSync(join(dir, "resnet-"));
    const x = readNpyFloat32(fixture("applications", "resnet_tiny_v1.preprocessed.npy"));
    const stacks: [number, number][] = [
      [4, 2],
      [8, 2],
    ];
    for (const [key, variant] of [
      ["resnet_tiny_v1", "resnet50"],
      ["resnet_tiny_v2", "resnet50v2"],
    ] as const) {
      const model = await ResNet(variant, {
        stacks,
        inputShape: [32, 32, 3],
        classes: 5,
        weights: fixture("applications", `${key}.h5`),
      });
      const y = tf.tidy(() => (model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor).dataSync());
      for (const ext of ["h5", "keras"]) {
        await saveKerasModel(model, join(out, `${key}_${ext}.${ext}`));
        writeNpy(join(out, `${key}_${ext}.input.npy`), x.data, x.shape);
        writeNpy(join(out, `${key}_${ext}.output.npy`), Float32Array.from(y), [2, 5]);
      }
      model.dispose();
    }
    const mobile = await MobileNetV2({
      alpha: 0.35,
      inputShape: [32, 32, 3],
      classes: 5,
      weights: fixture("applications", "mobilenetv2_tiny.h5"),
    });
    const px = readNpyFloat32(fixture("applications", "mobilenetv2_tiny.preprocessed.npy"));
    const my = tf.tidy(() =>
      (mobile.predict(tf.tensor(px.data, px.shape)) as tf.Tensor).dataSync(),
    );
    await saveKerasModel(mobile, join(out, "mobilenetv2_tiny_h5.h5"));
    writeNpy(join(out, "mobilenetv2_tiny_h5.input.npy"), px.data, px.shape);
    writeNpy(join(out, "mobilenetv2_tiny_h5.output.npy"), Float32Array.from(my), [2, 5]);
    mobile.dispose();
    const others = [
      [
        "densenet_tiny",
        (weights: string) =>
          DenseNet("densenet121", {
            blocks: [1, 2, 1, 1],
            inputShape: [32, 32, 3],
            classes: 5,
            weights,
          }),
      ],
      [
        "xception_tiny",
        (weights: string) =>
          Xception({ filterScale: 0.0625, inputShape: [71, 71, 3], classes: 5, weights }),
      ],
      [
        "inception_v3_tiny",
        (weights: string) =>
          InceptionV3({ filterScale: 0.0625, inputShape: [75, 75, 3], classes: 5, weights }),
      ],
      [
        "inception_resnet_v2_tiny",
        (weights: string) =>
          InceptionResNetV2({ filterScale: 0.0625, inputShape: [75, 75, 3], classes: 5, weights }),
        ["h5", "keras"],
      ],
      ...(["nasnetmobile", "nasnetlarge"] as const).map(
        (variant) =>
          [
            `${variant}_tiny`,
            (weights: string) =>
              NASNet(variant, {
                penultimateFilters: 96,
                numBlocks: 1,
                stemBlockFilters: 8,
                inputShape: [64, 64, 3],
                classes: 5,
                weights,
              }),
          ] as const,
      ),
      [
        "mobilenet_tiny",
        (weights: string) =>
          MobileNet({ alpha: 0.25, dropout: 0, inputShape: [32, 32, 3], classes: 5, weights }),
      ],
      [
        "efficientnet_tiny",
        (weights: string) =>
          EfficientNet("efficientnetb0", {
            widthCoefficient: 0.25,
            depthCoefficient: 0.34,
            dropoutRate: 0,
            dropConnectRate: 0,
            inputShape: [64, 64, 3],
            classes: 5,
            weights,
          }),
      ],
      // Both files for B0's blocks: the .keras config carries the fixed normalization's statistics.
      ...(
        [
          ["efficientnetv2b0_tiny", "efficientnetv2b0", 0.34, ["h5", "keras"]],
          ["efficientnetv2s_tiny", "efficientnetv2s", 0.2, ["h5"]],
        ] as const
      ).map(
        ([key, variant, depthCoefficient, exts]) =>
          [
            key,
            (weights: string) =>
              EfficientNetV2(variant, {
                widthCoefficient: 0.25,
                depthCoefficient,
                dropoutRate: 0,
                dropConnectRate: 0,
                inputShape: [64, 64, 3],
                classes: 5,
                weights,
              }),
            exts,
          ] as const,
      ),
      // Both files: the .keras config renames hard_sigmoid, which Keras 3 reads as its own.
      [
        "mobilenetv3small_tiny",
        (weights: string) =>
          MobileNetV3("small", {
            alpha: 0.25,
            dropoutRate: 0,
            inputShape: [32, 32, 3],
            classes: 5,
            weights,
          }),
        ["h5", "keras"],
      ],
      [
        "mobilenetv3large_tiny",
        (weights: string) =>
          MobileNetV3("large", {
            alpha: 0.25,
            minimalistic: true,
            dropoutRate: 0,
            inputShape: [64, 64, 3],
            classes: 5,
            weights,
          }),
      ],
    ] as const;
    for (const [key, load, exts = ["h5"]] of others as readonly (readonly [
      string,
      (weights: string) => Promise<tfl.LayersModel>,
      (readonly string[])?,
    ])[]) {
      const model = await load(fixture("applications", `${key}.h5`));
      const p = readNpyFloat32(fixture("applications", `${key}.preprocessed.npy`));
      const py = tf.tidy(() => (model.predict(tf.tensor(p.data, p.shape)) as tf.Tensor).dataSync());
      for (const ext of exts) {
        await saveKerasModel(model, join(out, `${key}_${ext}.${ext}`));
        writeNpy(join(out, `${key}_${ext}.input.npy`), p.data, p.shape);
        writeNpy(join(out, `${key}_${ext}.output.npy`), Float32Array.from(py), [2, 5]);
      }
      model.dispose();
    }
    const r = spawnSync(python, [fixture("scripts", "check_graft_models.py"), out], {
      encoding: "utf8",
      timeout: 300_000,
    });
    const lines = r.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { file: string; ok: boolean; error: string | null });
    expect(lines.map((l) => l.file).sort(), r.stderr).toEqual([
      "densenet_tiny_h5.h5",
      "efficientnet_tiny_h5.h5",
      "efficientnetv2b0_tiny_h5.h5",
      "efficientnetv2b0_tiny_keras.keras",
      "efficientnetv2s_tiny_h5.h5",
      "inception_resnet_v2_tiny_h5.h5",
      "inception_resnet_v2_tiny_keras.keras",
      "inception_v3_tiny_h5.h5",
      "mobilenet_tiny_h5.h5",
      "mobilenetv2_tiny_h5.h5",
      "mobilenetv3large_tiny_h5.h5",
      "mobilenetv3small_tiny_h5.h5",
      "mobilenetv3small_tiny_keras.keras",
      "nasnetlarge_tiny_h5.h5",
      "nasnetmobile_tiny_h5.h5",
      "resnet_tiny_v1_h5.h5",
      "resnet_tiny_v1_keras.keras",
      "resnet_tiny_v2_h5.h5",
      "resnet_tiny_v2_keras.keras",
      "xception_tiny_h5.h5",
    ]);
    for (const l of lines) expect(l, `${l.file}: ${l.error}`).toMatchObject({ ok: true });
    expect(r.status).toBe(0);
  }, 300_000);
});
