/**
 * DenseNet121/169/201 against real Keras (test-fixtures/applications): Keras' layers, order,
 * output and weight shapes and totals for every member, and Keras' own DenseNet(blocks) with
 * [1, 2, 1, 1] blocks on 32×32 inputs with seeded weights in the official files' layout:
 * Keras' preprocessing (torch mode), features and probabilities, in inference and training
 * mode, on tfjs-cpu and graft-cpu. The official files' names and md5s are Keras'.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { officialWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildDenseNet,
  DENSENET_VARIANTS,
  DenseNet,
  stageEnds,
} from "../src/index.ts";
import {
  app,
  arch,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  tiny,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

describe("DenseNets have Keras' layers, order and parameter counts", () => {
  it("lists the same three members as Keras", () => {
    const keras = Object.keys(arch.models).filter((k) => k.startsWith("densenet"));
    expect([...DENSENET_VARIANTS].sort()).toEqual(keras.sort());
  });
  for (const variant of DENSENET_VARIANTS) {
    it(variant, () => expectKerasArchitecture(variant, (o) => buildDenseNet(variant, o)));
  }
});

describe.each(["cpu", "graft-cpu"])("a narrow DenseNet reproduces Keras on %s", (backend) => {
  it("Keras' DenseNet([1, 2, 1, 1]): preprocessing, features, probabilities", async () => {
    await tf.setBackend(backend);
    const blocks = tiny("densenet_tiny").options.blocks as number[];
    await expectReproducesKeras("densenet_tiny", "torch", (weights) =>
      DenseNet("densenet121", { blocks, inputShape: [32, 32, 3], classes: 5, weights }),
    );
  });
});

describe("DenseNet's weights and options", () => {
  it("names, folders and md5s of the official files are Keras'", () => {
    const { base_url, hashes } = kerasWeights("densenet");
    for (const variant of DENSENET_VARIANTS) {
      const top = officialWeights(variant, true);
      const notop = officialWeights(variant, false);
      expect(top.url).toBe(`${base_url}${variant}_weights_tf_dim_ordering_tf_kernels.h5`);
      expect(notop.url).toBe(`${base_url}${variant}_weights_tf_dim_ordering_tf_kernels_notop.h5`);
      expect([top.md5, notop.md5]).toEqual(hashes[variant]);
    }
  });

  it("a file of another depth names the first layer it lacks", async () => {
    await expect(
      DenseNet("densenet121", {
        blocks: [1, 3, 1, 1],
        inputShape: [32, 32, 3],
        classes: 5,
        weights: app("densenet_tiny.h5"),
      }),
    ).rejects.toThrow(/no weights for layer "conv3_block3_0_bn" \(BatchNormalization/);
  });

  it("refuses what Keras refuses, and says where to cut", () => {
    expect(() => buildDenseNet("densenet121", { classes: 10 })).toThrow(/classes should be 1000/);
    expect(() => buildDenseNet("densenet264" as "densenet121")).toThrow(/densenet121, densenet169/);
    expect(() => buildDenseNet("densenet121", { weights: null, blocks: [6, 12, 24] })).toThrow(
      /four positive integers/,
    );
    const info = application("DenseNet169");
    expect(info).toMatchObject({ family: "densenet", preprocess: "torch", defaultSize: 224 });
    const model = buildDenseNet("densenet121", {
      weights: null,
      includeTop: false,
      blocks: [1, 1, 1, 1],
      inputShape: [32, 32, 3],
    });
    expect(stageEnds(model)).toEqual(["pool2_pool", "pool3_pool", "pool4_pool"]);
    expect(stageEnds(model)).toContain(info.earlyLayer);
    model.dispose();
  });
});
