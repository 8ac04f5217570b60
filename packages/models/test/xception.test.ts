/**
 * Xception and InceptionV3 against real Keras (test-fixtures/applications): Keras' layers,
 * order (their unnamed layers carry Keras' automatic names), output and weight shapes and
 * totals, and Keras' own networks with every convolution at 1/16 of its filters, at their
 * smallest input sides (71 and 75 px), with seeded weights in the official files' layout,
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
  buildInceptionV3,
  buildXception,
  InceptionV3,
  stageEnds,
  Xception,
} from "../src/index.ts";
import {
  app,
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
