/**
 * The four scenarios on a tiny VGG19-shaped base (widths 4-8-8-16-16, 32×32): what
 * each builds and freezes, a whole run of each through runTraining, feature caching
 * against training through the frozen base, and a fifth scenario added from outside.
 */
import "@tensorflow/tfjs-backend-cpu";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildVGG } from "@graft/models";
import { readModelMetadata } from "@graft/weights";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BaseScenario,
  type BuiltModel,
  getScenario,
  parseHead,
  registerScenario,
  resolveSettings,
  runTraining,
  type ScenarioSettings,
  scenarioNames,
} from "../src/index.ts";
import { freezeWholeBase, trunkWithHead } from "../src/strategies/common.ts";
import { colorClasses, TINY } from "./helpers/tiny-data.ts";

let data: string;
const cleanup: string[] = [];
beforeAll(async () => {
  await tf.setBackend("cpu");
  data = await colorClasses(12);
  cleanup.push(data);
});
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

const tinyBase = () =>
  buildVGG("vgg19", {
    includeTop: false,
    inputShape: [32, 32, 3],
    blockFilters: [4, 8, 8, 16, 16],
    weights: null,
  });

const trainableWeights = (m: tfl.LayersModel) => m.trainableWeights.map((w) => w.originalName);

describe("what each scenario builds and freezes", () => {
  it("registers the four scenarios", () => {
    expect(scenarioNames()).toEqual(
      expect.arrayContaining([
        "small-similar",
        "large-similar",
        "small-different",
        "large-different",
      ]),
    );
  });

  it("small-similar: the whole base frozen, a head on its output, cached features at block5_pool", () => {
    const s = getScenario("small-similar");
    const settings = resolveSettings(s, { head: parseHead("flatten,dense:8,dropout:0.5") });
    const base = tinyBase();
    const built = s.build(base, 3, settings);
    const frozen = s.chooseTrainable(built, base, settings);
    expect(frozen).toHaveLength(base.layers.length);
    expect(
      trainableWeights(built.model).every(
        (n) => n.startsWith("head_") || n.startsWith("predictions"),
      ),
    ).toBe(true);
    expect(built.model.outputs[0]?.shape).toEqual([null, 3]);
    expect(built.cached?.extractor.outputs[0]?.shape).toEqual([null, 1, 1, 16]);
    expect(built.cached?.head.inputs[0]?.shape).toEqual([null, 1, 1, 16]);
    expect(s.usesCachedFeatures(built, settings, false)).toBe(true);
    expect(s.usesCachedFeatures(built, settings, true)).toBe(false);
    expect(s.usesCachedFeatures(built, { ...settings, augmentCopies: 3 }, true)).toBe(true);
    built.model.dispose();
  });

  it("large-similar: Keras' layers[:5] frozen by default (input, block1 ×2 + pool, block2_conv1)", () => {
    const s = getScenario("large-similar");
    const settings = resolveSettings(s);
    expect(settings.freeze).toBe(5);
    const base = tinyBase();
    const built = s.build(base, 3, settings);
    const frozen = s.chooseTrainable(built, base, settings);
    expect(frozen).toEqual(base.layers.slice(0, 5).map((l) => l.name));
    expect(built.model.getLayer("block2_conv1").trainable).toBe(false);
    expect(built.model.getLayer("block2_conv2").trainable).toBe(true);
    expect(built.cached).toBeNull();
    built.model.dispose();
  });

  it("small-different: cut at block2_pool (or block3_pool), pooled, a dense head or a linear softmax", () => {
    const s = getScenario("small-different");
    const base = tinyBase();
    for (const [cut, pooling, classifier, featShape, weightLayers] of [
      ["block2_pool", "avg", "dense", [null, 8], 2],
      ["block3_pool", "max", "logistic", [null, 8], 1],
      ["block2_pool", "none", "logistic", [null, 8 * 8 * 8], 1],
    ] as const) {
      const settings = resolveSettings(s, { cutLayer: cut, pooling, classifier });
      const built = s.build(base, 3, settings);
      s.chooseTrainable(built, base, settings);
      const names = built.model.layers.map((l) => l.name);
      expect(names).toContain(cut);
      expect(names.some((n) => n.startsWith("block5"))).toBe(false);
      expect(built.cached?.extractor.outputs[0]?.shape).toEqual(featShape);
      const trained = built.model.layers.filter((l) => l.trainable && l.weights.length > 0);
      expect(trained).toHaveLength(weightLayers);
    }
  });

  it("large-different: everything trains; random initialisation asks for no pretrained weights", () => {
    const s = getScenario("large-different");
    const base = tinyBase();
    const settings = resolveSettings(s);
    const built = s.build(base, 3, settings);
    expect(s.chooseTrainable(built, base, settings)).toEqual([]);
    expect(built.model.layers.every((l) => l.trainable)).toBe(true);
    expect(s.pretrained(settings)).toBe(true);
    expect(s.pretrained(resolveSettings(s, { initialization: "random" }))).toBe(false);
    built.model.dispose();
  });
});

describe("a whole run of each scenario (runTraining, 2 epochs)", () => {
  for (const scenario of ["small-similar", "large-similar", "small-different", "large-different"]) {
    it(scenario, async () => {
      const out = join(data, `..`, `run-${scenario}-${process.pid}`);
      cleanup.push(out);
      const lines: string[] = [];
      const r = await runTraining(
        {
          ...TINY,
          data,
          scenario,
          epochs: 2,
          head: "flatten,dense:8",
          augment: scenario === "large-similar" ? "recipe" : "none",
          "validation-split": 0.25,
          out,
        },
        {
          log: (l) => lines.push(l),
          warn: () => {},
          progressStream: { write: () => true, isTTY: false },
        },
      );
      expect(r.scenario).toBe(scenario);
      expect(r.history).toHaveLength(2);
      for (const f of [
        "best.h5",
        "last.h5",
        "history.csv",
        "config.json",
        "class_indices.json",
        "report.html",
      ]) {
        expect(existsSync(join(out, f)), f).toBe(true);
      }
      expect(JSON.parse(readFileSync(join(out, "class_indices.json"), "utf8"))).toEqual({
        blue: 0,
        green: 1,
        red: 2,
      });
      expect(await readModelMetadata(join(out, "best.h5"))).toMatchObject({
        classNames: ["blue", "green", "red"],
        preprocess: "caffe",
        inputShape: [32, 32, 3],
        scenario,
      });
      const csv = readFileSync(join(out, "history.csv"), "utf8").split("\r\n");
      expect(csv[0]).toBe("epoch,accuracy,loss,val_accuracy,val_loss");
      expect(csv.filter((l) => l !== "")).toHaveLength(3);
      expect(r.evaluation?.samples).toBe(9);
      expect(r.evaluation?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(9);
      const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
      expect(config.resolved).toMatchObject({ scenario, seed: 1, monitor: "val_acc" });
      expect(lines.some((l) => l.startsWith("Training "))).toBe(true);
    }, 120_000);
  }
});

describe("feature caching", () => {
  it("training the head on cached features equals training it through the frozen base", async () => {
    // One full batch per epoch, no dropout, no augmentation: the order of images cannot matter.
    const run = async (cache: boolean) => {
      const out = join(data, "..", `cache-${cache}-${process.pid}`);
      cleanup.push(out);
      return runTraining(
        {
          ...TINY,
          data,
          scenario: "small-similar",
          epochs: 3,
          "batch-size": 64,
          head: "flatten,dense:8",
          augment: "none",
          "cache-features": cache,
          "validation-split": 0.25,
          patience: 0,
          out,
        },
        { log: () => {}, warn: () => {}, progressStream: { write: () => true, isTTY: false } },
      );
    };
    const cached = await run(true);
    const direct = await run(false);
    for (let e = 0; e < 3; e++) {
      for (const k of ["loss", "val_loss"]) {
        expect(cached.history[e]?.[k]).toBeCloseTo(direct.history[e]?.[k] as number, 5);
      }
    }
    // And training changed something: the loss moved.
    expect(cached.history[2]?.loss).not.toBe(cached.history[0]?.loss);
  }, 60_000);
});

describe("a fifth scenario", () => {
  class LinearProbe extends BaseScenario {
    readonly name = "linear-probe-test";
    readonly summary = "a softmax on globally averaged block5 features";
    build(base: tfl.LayersModel, numClasses: number, _s: ScenarioSettings): BuiltModel {
      return trunkWithHead(base, [{ kind: "avg" }], numClasses, `${base.name}_probe`);
    }
    chooseTrainable(built: BuiltModel, base: tfl.LayersModel): string[] {
      return freezeWholeBase(built.model, base);
    }
  }

  it("is registered from outside and runs through runTraining like the built-in ones", async () => {
    registerScenario(new LinearProbe());
    const out = join(data, "..", `probe-${process.pid}`);
    cleanup.push(out);
    const r = await runTraining(
      {
        ...TINY,
        data,
        scenario: "linear-probe-test",
        epochs: 1,
        augment: "none",
        "validation-split": 0.25,
        out,
      },
      { log: () => {}, warn: () => {}, progressStream: { write: () => true, isTTY: false } },
    );
    expect(r.scenario).toBe("linear-probe-test");
    expect(r.history).toHaveLength(1);
  }, 60_000);
});
