/**
 * The keras.applications families beyond VGG through the CLI, as a user runs them: summary
 * prints Keras' totals (checked against real Keras' architectures in test-fixtures), train
 * takes --model resnet50 and mobilenetv3small with --freeze-until, and extract takes the family's own
 * preprocessing. Real processes on the bundled demo images, graft-cpu, random weights (the
 * official files are not downloaded in tests).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFile } from "@graft/demo";
import { APPLICATION_NAMES } from "@graft/models";
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import { afterAll, describe, expect, it } from "vitest";
import { graft as runGraft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-apps-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const graft = (args: string[]) => runGraft(args, { cwd: scratch });

type Row = [string, string, unknown, number[][]];
const arch = JSON.parse(readFileSync(fixture("applications", "architectures.json"), "utf8")) as {
  models: Record<
    string,
    {
      keras_name: string;
      params_top: { total: number };
      params_notop: { total: number };
      layers: Row[];
    }
  >;
};
const fmt = (n: number) => n.toLocaleString("en-US");
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe("graft summary --model NAME prints Keras' totals", () => {
  for (const name of [
    "resnet50",
    "resnet152v2",
    "densenet121",
    "xception",
    "inception_v3",
    "mobilenetv3large",
    "efficientnetv2s",
    "inception_resnet_v2",
    "nasnetmobile",
  ]) {
    it(name, () => {
      const want = arch.models[name];
      if (!want) throw new Error(`no architecture for ${name}`);
      const notop = graft(["summary", "--model", name]);
      expect(notop.code, notop.err).toBe(0);
      expect(notop.out).toContain(`Model: "${want.keras_name}"`);
      expect(notop.out).toContain(`Total params: ${fmt(want.params_notop.total)}`);
      const top = graft(["summary", "--model", name, "--include-top"]);
      expect(top.out).toContain(`Total params: ${fmt(want.params_top.total)}`);
      // The family's own default side, as Keras' input layer has it: 299 for Xception and
      // InceptionV3 and InceptionResNetV2, 384 for EfficientNetV2S, 224 for the others; MobileNetV3 takes any side
      // (Keras' None) and graft summarises it at 224.
      const side = (want.layers[0] as Row)[2] as (number | null)[];
      const rows = side[1] ?? 224;
      expect(top.out).toContain(`(None, ${rows}, ${rows}, 3)`);
    });
  }

  it("--freeze-until conv4 freezes through the last conv4 layer, as Keras' layers[:N]", () => {
    const layers = arch.models.resnet50?.layers ?? [];
    const last = layers.map((l) => l[0]).findLastIndex((n) => n.startsWith("conv4_"));
    // Trainable after the cut: every weight but BatchNormalization's moving mean and variance.
    const trainable = layers
      .slice(last + 1, -2) // without avg_pool and predictions: the base
      .reduce(
        (s, [, cls, , w]) =>
          s +
          w.slice(0, cls === "BatchNormalization" ? 2 : w.length).reduce((a, x) => a + size(x), 0),
        0,
      );
    const r = graft(["summary", "--model", "resnet50", "--freeze-until", "conv4"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`Trainable params: ${fmt(trainable)}`);
    const bad = graft(["summary", "--model", "resnet50", "--freeze-until", "block4"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /--freeze-until: No layer or block named "block4" in model "resnet50": give a layer name, or the prefix of a block or stage \(its stages end at conv2_block3_out, conv3_block4_out, conv4_block6_out, conv5_block3_out\)/,
    );
  });

  it("an unknown model: one line with the names", () => {
    const r = graft(["summary", "--model", "resnet18"]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([
      `graft: error: Expected one of ${APPLICATION_NAMES.join(", ")} for --model but received 'resnet18'`,
    ]);
  });
});

describe("graft train and extract with a ResNet base", () => {
  const train = demoFile("target", "train");
  const val = demoFile("target", "val");
  const images = readdirSync(val).reduce((n, c) => n + readdirSync(join(val, c)).length, 0);
  /** One epoch of the recipe on `model` from random weights at 32 px, into `out`. */
  const trainOneEpoch = (model: string, freezeUntil: string, out: string, extra: string[] = []) =>
    graft([
      "train",
      "--data",
      train,
      "--val-data",
      val,
      "--model",
      model,
      "--weights",
      "none",
      "--input-size",
      "32",
      "--freeze-until",
      freezeUntil,
      "--epochs",
      "1",
      "--batch-size",
      "20",
      "--backend",
      "graft-cpu",
      ...extra,
      "--out",
      out,
    ]);
  /** `graft evaluate --json` of a checkpoint on the validation images: its scores. */
  const evaluateJson = (checkpoint: string) => {
    const ev = graft([
      "evaluate",
      "--model",
      checkpoint,
      "--data",
      val,
      "--json",
      "--backend",
      "graft-cpu",
    ]);
    expect(ev.code, ev.err).toBe(0);
    return JSON.parse(ev.out.trim().split("\n").pop() as string);
  };

  it("train --model resnet50v2 --freeze-until conv5_block2: the recipe on a ResNetV2, its tf inputs kept with the model, pooled head", () => {
    const out = join(scratch, "resnet-run");
    const r = trainOneEpoch("resnet50v2", "conv5_block2", out, ["--seed", "4"]);
    expect(r.code, r.err).toBe(0);
    // conv5_block3's preact BN, 3 convs and 2 BNs, post_bn, then the head's 3 Dense layers.
    expect(r.out).toMatch(/large-similar.*; \d+ base layers frozen, 10 layers with weights train/);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.config).toMatchObject({
      model: "resnet50v2",
      preprocess: "tf",
      "freeze-until": "conv5_block2",
    });
    expect(config.resolved.settings.head).toMatch(/^avg,dense:1024/);
    // The checkpoint carries the preprocessing: evaluate applies tf, not VGG's caffe.
    expect(evaluateJson(join(out, "best.h5"))).toMatchObject({ preprocess: "tf", samples: images });
  }, 300_000);

  it("train --model mobilenetv3small --freeze-until expanded_conv_5: the model rescales its own inputs, and its checkpoint (hard-swish, hard-sigmoid gates) evaluates", () => {
    const out = join(scratch, "mobilenetv3-run");
    const r = trainOneEpoch("mobilenetv3small", "expanded_conv_5", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/80 base layers frozen, \d+ layers with weights train/);
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.config).toMatchObject({ model: "mobilenetv3small", preprocess: "none" });
    expect(evaluateJson(join(out, "best.h5"))).toMatchObject({
      preprocess: "none",
      samples: images,
    });
  }, 300_000);

  it("extract --model resnet50v2 --pooling avg: 2048 features per image, tf preprocessing by default", () => {
    const prefix = join(scratch, "feats");
    const r = graft([
      "extract",
      "--data",
      val,
      "--out",
      prefix,
      "--model",
      "resnet50v2",
      "--weights",
      "none",
      "--input-size",
      "32",
      "--pooling",
      "avg",
      "--backend",
      "graft-cpu",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("preprocess tf)");
    const feats = readNpy(`${prefix}.npy`);
    expect(feats.shape).toEqual([images, 2048]);
    expect(Array.from(feats.data as Float32Array).every(Number.isFinite)).toBe(true);
    const bad = graft([
      "extract",
      "--data",
      val,
      "--out",
      prefix,
      "--model",
      "resnet50",
      "--block-filters",
      "4,4,4,4,4",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/block-filters: narrows a VGG base only, not resnet50/);
  }, 300_000);
});
