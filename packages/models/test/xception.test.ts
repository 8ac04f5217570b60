/**
 * Xception, InceptionV3 and InceptionResNetV2 against real Keras (test-fixtures/applications):
 * Keras' layers, order (their unnamed layers carry Keras' automatic names), output and weight
 * shapes and totals, and Keras' own networks with every convolution at 1/16 of its filters
 * (InceptionResNetV2's residual projections at their input's width), at their smallest input
 * sides (71 and 75 px), with seeded weights in the official files' layout,
 * loaded by position as Keras loads them: Keras' preprocessing, features and probabilities in
 * inference and training mode, on tfjs-cpu and graft-cpu. The official files are Keras'.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { officialWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildInceptionResNetV2,
  buildInceptionV3,
  buildXception,
  CustomScaleLayer,
  InceptionResNetV2,
  InceptionV3,
  stageEnds,
  Xception,
} from "../src/index.ts";
import {
  app,
  expectGradientsMatchCpu,
  expectKerasArchitecture,
  expectReproducesKeras,
  kerasWeights,
  tiny,
} from "./application-fixtures.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

const FAMILIES = [
  { key: "xception", side: 71, build: buildXception, load: Xception },
  { key: "inception_v3", side: 75, build: buildInceptionV3, load: InceptionV3 },
  {
    key: "inception_resnet_v2",
    side: 75,
    build: buildInceptionResNetV2,
    load: InceptionResNetV2,
  },
] as const;

describe.each(FAMILIES)("$key", ({ key, side, build, load }) => {
  it("has Keras' layers, order and parameter counts", () => {
    expectKerasArchitecture(key, (o) => build(o));
  });

  for (const backend of ["cpu", "graft-cpu"]) {
    it(`at 1/16 width reproduces Keras on ${backend}`, async () => {
      await tf.setBackend(backend);
      const filterScale = tiny(`${key}_tiny`).options.filterScale as number;
      await expectReproducesKeras(`${key}_tiny`, "tf", (weights) =>
        load({ filterScale, inputShape: [side, side, 3], classes: 5, weights }),
      );
    });
  }

  it("the official files' name, folder and md5s are Keras'", () => {
    const { base_url, hashes } = kerasWeights(key);
    const top = officialWeights(key, true);
    const notop = officialWeights(key, false);
    expect(top.url).toBe(`${base_url}${key}_weights_tf_dim_ordering_tf_kernels.h5`);
    expect(notop.url).toBe(`${base_url}${key}_weights_tf_dim_ordering_tf_kernels_notop.h5`);
    expect([top.md5, notop.md5]).toEqual(hashes[key]);
  });

  it("a file of another width names the layer and both shapes", async () => {
    await expect(
      load({
        filterScale: 0.125,
        inputShape: [side, side, 3],
        classes: 5,
        weights: app(`${key}_tiny.h5`),
      }),
    ).rejects.toThrow(/expects shape .* with shape/);
  });

  it("refuses what Keras refuses; its early layer is a stage end", () => {
    expect(() => build({ inputShape: [side - 1, 128, 3], includeTop: false })).toThrow(
      new RegExp(`at least ${side}`),
    );
    expect(() => build({ includeTop: true, inputShape: [224, 224, 3] })).toThrow(/\[299, 299, 3\]/);
    expect(() => build({ filterScale: 0.5 })).toThrow(/drop filterScale/);
    expect(() => build({ weights: null, filterScale: 0 })).toThrow(/filterScale in \(0, 1\]/);
    const info = application(key);
    expect(info).toMatchObject({ preprocess: "tf", defaultSize: 299, minSize: side });
    const model = build({
      weights: null,
      includeTop: false,
      filterScale: 0.0625,
      inputShape: [side, side, 3],
    });
    expect(stageEnds(model)).toContain(info.earlyLayer);
    model.dispose();
  });
});

it("Xception's stages end at the sums after its pools, InceptionV3's at its modules", () => {
  const x = buildXception({
    weights: null,
    includeTop: false,
    filterScale: 0.0625,
    inputShape: [71, 71, 3],
  });
  expect(stageEnds(x)).toEqual(["add", "add_1", "add_2", "add_11"]);
  x.dispose();
  const i = buildInceptionV3({
    weights: null,
    includeTop: false,
    filterScale: 0.0625,
    inputShape: [75, 75, 3],
  });
  expect(stageEnds(i)).toEqual(Array.from({ length: 11 }, (_, n) => `mixed${n}`));
  i.dispose();
});

describe("InceptionResNetV2", () => {
  it("stages end at its modules and the last block of each run", () => {
    const m = buildInceptionResNetV2({
      weights: null,
      includeTop: false,
      filterScale: 0.0625,
      inputShape: [75, 75, 3],
    });
    try {
      expect(stageEnds(m)).toEqual([
        "mixed_5b",
        "block35_10_ac",
        "mixed_6a",
        "block17_20_ac",
        "mixed_7a",
        "block8_9_ac",
        "conv_7b_ac",
      ]);
      // The last block has no activation: its scaled sum goes straight into conv_7b.
      const last = m.getLayer("conv_7b").inboundNodes[0]?.inboundLayers[0];
      expect(last?.getClassName()).toBe("CustomScaleLayer");
      expect((last as CustomScaleLayer).scale).toBe(1);
    } finally {
      m.dispose();
    }
  });

  it("CustomScaleLayer adds the scaled residual and round-trips through tfjs' JSON", () => {
    const a = tf.tensor1d([1, 2]);
    const b = tf.tensor1d([10, -10]);
    const layer = new CustomScaleLayer({ scale: 0.17, name: "s" });
    const y = layer.apply([a, b]) as tf.Tensor;
    const [y0, y1] = Array.from(y.dataSync());
    expect(y0).toBeCloseTo(2.7, 6);
    expect(y1).toBeCloseTo(0.3, 6);
    expect(layer.getConfig()).toMatchObject({ name: "s", scale: 0.17 });
    const back = tf.serialization.SerializationMap.getMap().classNameMap.CustomScaleLayer;
    expect(back?.[0]).toBe(CustomScaleLayer);
    expect(() => new CustomScaleLayer({ scale: Number.NaN })).toThrow(/finite scale/);
    tf.dispose([a, b, y]);
  });

  // At 75 px the deep stages run at 3×3 and 1×1, where training-mode BatchNormalization over
  // a batch of two is ill-conditioned: tfjs-cpu's own gradients of the last block17 units move
  // by 6e-3 when the input moves by 1e-6 relative (measured), hence 1e-2 rather than 1e-3.
  it("trains on graft-cpu as on tfjs-cpu: every weight's gradient in training mode", () =>
    expectGradientsMatchCpu(
      "inception_resnet_v2_tiny",
      (weights) =>
        InceptionResNetV2({ filterScale: 0.0625, inputShape: [75, 75, 3], classes: 5, weights }),
      1e-2,
    ));
});
