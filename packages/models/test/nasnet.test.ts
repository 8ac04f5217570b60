/**
 * NASNetMobile and NASNetLarge against real Keras (test-fixtures/applications): Keras' layers,
 * order (its unnamed activations, paddings, croppings, sums and concatenations carry Keras'
 * automatic names), output and weight shapes and totals, and Keras' own NASNet(...) with one
 * normal cell per run and 4 filters, as Mobile and as Large wire their cells, on 64×64 inputs
 * with seeded weights in the official files' layout, loaded by position as Keras loads them:
 * Keras' preprocessing, features and probabilities in inference and training mode, on tfjs-cpu
 * and graft-cpu, and every weight's training-mode gradient on graft-cpu against tfjs-cpu.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { officialWeights } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import {
  application,
  buildNASNet,
  NASNET_VARIANTS,
  NASNet,
  type NASNetVariant,
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

const TINY = (variant: NASNetVariant) => ({
  ...(tiny(`${variant}_tiny`).options as {
    penultimateFilters: number;
    numBlocks: number;
    stemBlockFilters: number;
  }),
  inputShape: [64, 64, 3] as [number, number, number],
  classes: 5,
});

describe.each(NASNET_VARIANTS)("%s", (variant) => {
  it("has Keras' layers, order and parameter counts", () => {
    expectKerasArchitecture(variant, (o) => buildNASNet(variant, o));
  });

  for (const backend of ["cpu", "graft-cpu"]) {
    it(`a small NASNet wired as ${variant} reproduces Keras on ${backend}`, async () => {
      await tf.setBackend(backend);
      await expectReproducesKeras(`${variant}_tiny`, "tf", (weights) =>
        NASNet(variant, { ...TINY(variant), weights }),
      );
    });
  }

  it("trains on graft-cpu as on tfjs-cpu: every weight's gradient in training mode", () =>
    expectGradientsMatchCpu(`${variant}_tiny`, (weights) =>
      NASNet(variant, { ...TINY(variant), weights }),
    ));
});

describe("NASNet's weights, options and layers", () => {
  it("names, URLs and md5s of the official files are Keras' (cached under other names)", () => {
    const { base_url, hashes } = kerasWeights("nasnet");
    const files = {
      nasnetmobile: ["nasnet_mobile", "NASNet-mobile"],
      nasnetlarge: ["nasnet_large", "NASNet-large"],
    } as const;
    for (const variant of NASNET_VARIANTS) {
      const [cached, served] = files[variant];
      const top = officialWeights(variant, true);
      const notop = officialWeights(variant, false);
      expect([top.fname, notop.fname]).toEqual([`${cached}.h5`, `${cached}_no_top.h5`]);
      expect([top.url, notop.url]).toEqual([
        `${base_url}${served}.h5`,
        `${base_url}${served}-no-top.h5`,
      ]);
      expect([top.md5, notop.md5]).toEqual(hashes[variant]);
      expect(officialWeights(variant, false, "http://127.0.0.1:9/m/").url).toBe(
        `http://127.0.0.1:9/m/nasnet/${served}-no-top.h5`,
      );
    }
  });

  it("refuses what Keras refuses; fixed sides; stages end at the reductions", () => {
    expect(() => buildNASNet("nasnetmobile", { classes: 10 })).toThrow(/classes should be 1000/);
    expect(() => buildNASNet("nasnetmobile", { inputShape: [331, 331, 3] })).toThrow(
      /\[224, 224, 3\]/,
    );
    expect(() =>
      buildNASNet("nasnetmobile", {
        weights: null,
        includeTop: false,
        inputShape: [null, null, 3],
      }),
    ).toThrow(/fixed input size/);
    expect(() => buildNASNet("nasnetmobile", { weights: null, penultimateFilters: 100 })).toThrow(
      /multiple of 24 \* \(filter_multiplier \*\* 2\)/,
    );
    expect(() => buildNASNet("nasnetlarge", { numBlocks: 1 })).toThrow(/drop penultimateFilters/);
    expect(() => buildNASNet("nasnet" as NASNetVariant)).toThrow(/nasnetmobile, nasnetlarge/);
    expect(application("nasnetlarge")).toMatchObject({
      family: "nasnet",
      defaultSize: 331,
      preprocess: "tf",
      earlyLayer: "normal_concat_5",
    });
    const model = buildNASNet("nasnetmobile", { weights: null, includeTop: false });
    try {
      // Without the top Keras keeps NASNetMobile at 224 px.
      expect(model.inputs[0]?.shape).toEqual([null, 224, 224, 3]);
      expect(stageEnds(model)).toEqual([
        "reduction_concat_stem_1",
        "reduction_concat_stem_2",
        "normal_concat_3",
        "reduction_concat_reduce_4",
        "normal_concat_8",
        "reduction_concat_reduce_8",
        "normal_concat_12",
      ]);
      expect(stageEnds(model)).toContain(application("nasnetmobile").earlyLayer);
      expect(arch.models.nasnetmobile?.layers.map((l) => l[0])).toContain("normal_concat_12");
    } finally {
      model.dispose();
    }
  });
});
