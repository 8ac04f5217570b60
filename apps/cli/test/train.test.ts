/**
 * graft train / predict / evaluate / extract / recommend as a user runs them: real
 * processes on the bundled demo data (32×32 pictures, a narrow VGG19-shaped base
 * pretrained by make_demo_fixtures.py, in @graft/demo) on graft-cpu.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFile, demoManifest } from "@graft/demo";
import { readNpy } from "@graft/test-fixtures/npy";
import { openWeights, readModelMetadata } from "@graft/weights";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graft as runGraft } from "./run_cli.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-train-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const manifest = demoManifest();
const demo = {
  classes: manifest.target.classes,
  blockFilters: manifest.blockFilters,
  inputSize: manifest.inputSize[0],
  weights: manifest.weights.file,
};
const train = demoFile("target", "train");
const val = demoFile("target", "val");
const baseFile = demoFile(demo.weights);
const valCount = demo.classes.reduce((n, c) => n + readdirSync(join(val, c)).length, 0);

/** The narrow base and tiny inputs every run here uses. */
const BASE = [
  "--weights",
  baseFile,
  "--block-filters",
  demo.blockFilters.join(","),
  "--input-size",
  String(demo.inputSize),
];

// Runs happen in a scratch folder: relative paths are the user's.
function graft(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runGraft(args, { cwd: scratch, env });
}

/** Every weight array of a model file, by path. */
async function weightsOf(path: string): Promise<Map<string, Float32Array>> {
  const f = await openWeights(path);
  try {
    const out = new Map<string, Float32Array>();
    for (const l of f.layers)
      for (const w of l.weights) out.set(`${l.name}/${w.name}`, w.read() as Float32Array);
    return out;
  } finally {
    f.close();
  }
}

describe("graft train: the classic recipe on tiny data, then predict, evaluate, extract", () => {
  const run = join(scratch, "recipe");
  let trainOut = "";
  beforeAll(() => {
    const r = graft([
      "train",
      "--data",
      train,
      "--val-data",
      val,
      ...BASE,
      "--epochs",
      "3",
      "--batch-size",
      "16",
      "--freeze",
      "5",
      "--head",
      "flatten,dense:64,dropout:0.5,dense:64",
      "--lr",
      "0.01",
      "--momentum",
      "0.9",
      "--augment",
      "recipe",
      "--patience",
      "10",
      "--backend",
      "graft-cpu",
      "--seed",
      "5",
      "--out",
      run,
    ]);
    trainOut = r.out;
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
  }, 300_000);

  it("writes the run folder: best.h5, last.h5, history.csv, config.json, class_indices.json, report.html", async () => {
    for (const f of [
      "best.h5",
      "last.h5",
      "history.csv",
      "config.json",
      "class_indices.json",
      "report.html",
    ]) {
      expect(existsSync(join(run, f)), f).toBe(true);
    }
    expect(trainOut).toContain("backend: graft-cpu");
    expect(trainOut).toMatch(/Epoch 3\/3\n\d+\/\d+ - /);
    const csv = readFileSync(join(run, "history.csv"), "utf8").split("\r\n").filter(Boolean);
    expect(csv[0]).toBe("epoch,accuracy,loss,val_accuracy,val_loss");
    expect(csv).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(run, "class_indices.json"), "utf8"))).toEqual(
      Object.fromEntries(demo.classes.map((c, i) => [c, i])),
    );
    const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
    expect(config.config).toMatchObject({
      epochs: 3,
      freeze: 5,
      scenario: "large-similar",
      augment: "recipe",
      seed: 5,
    });
    expect(config.resolved).toMatchObject({
      scenario: "large-similar",
      monitor: "val_acc",
      classNames: demo.classes,
    });
    // best.h5 is a Keras 2 full model with graft's metadata beside it.
    const f = await openWeights(join(run, "best.h5"));
    expect(f.layout).toBe("keras2-full");
    f.close();
    expect(await readModelMetadata(join(run, "best.h5"))).toMatchObject({
      classNames: demo.classes,
      preprocess: "caffe",
    });
    const html = readFileSync(join(run, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it("predict --json: one object per image with the top 3 classes, most likely first", () => {
    const r = graft(["predict", "--model", run, val, "--json", "--backend", "graft-cpu"]);
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(valCount);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(["file", "top"]);
      expect(l.top).toHaveLength(3);
      for (const t of l.top) {
        expect(demo.classes[t.index]).toBe(t.label);
        expect(t.probability).toBeGreaterThanOrEqual(0);
      }
      expect(l.top[0].probability).toBeGreaterThanOrEqual(l.top[1].probability);
    }
    const text = graft([
      "predict",
      "--model",
      join(run, "best.h5"),
      join(val, demo.classes[0] as string),
      "--top-k",
      "1",
    ]);
    expect(text.code).toBe(0);
    expect(text.out.trim().split("\n")[0]).toMatch(/\.png: \S+ \d+\.\d%$/);
  });

  it("evaluate: the accuracy train reported for best.h5, per-class scores and the confusion matrix", () => {
    const r = graft(["evaluate", "--model", join(run, "best.h5"), "--data", val, "--json"]);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out);
    expect(e.samples).toBe(valCount);
    expect(e.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(valCount);
    const reported = Number(/validation accuracy of best\.h5: ([\d.]+)/.exec(trainOut)?.[1]);
    expect(e.accuracy).toBeCloseTo(reported, 4);
    const text = graft(["evaluate", "--model", run, "--data", val]);
    expect(text.out).toContain("confusion matrix (rows: true class, columns: predicted)");
    expect(text.out).toMatch(/precision\s+recall\s+f1-score\s+support/);
  });

  it("extract: PREFIX.npy (float32, NumPy's format) and PREFIX.csv in the same order", () => {
    const prefix = join(scratch, "feats");
    const r = graft([
      "extract",
      "--data",
      val,
      "--out",
      prefix,
      ...BASE,
      "--layer",
      "block3_pool",
      "--pooling",
      "avg",
    ]);
    expect(r.code, r.err).toBe(0);
    const npy = readNpy(`${prefix}.npy`);
    expect(npy.shape).toEqual([valCount, demo.blockFilters[2]]);
    expect(npy.data).toBeInstanceOf(Float32Array);
    expect(Array.from(npy.data as Float32Array).every(Number.isFinite)).toBe(true);
    const csv = readFileSync(`${prefix}.csv`, "utf8").trim().split("\n");
    expect(csv[0]).toBe("filename,class");
    expect(csv).toHaveLength(valCount + 1);
    expect(csv[1]).toBe(
      `${demo.classes[0]}/${readdirSync(join(val, demo.classes[0] as string)).sort()[0]},${demo.classes[0]}`,
    );
    // Without pooling: the feature map itself.
    const full = join(scratch, "map");
    expect(
      graft(["extract", "--data", val, "--out", full, ...BASE, "--layer", "block2_pool"]).code,
    ).toBe(0);
    const s = demo.inputSize / 4;
    expect(readNpy(`${full}.npy`).shape).toEqual([valCount, s, s, demo.blockFilters[1]]);
  });

  it("recommend: a scenario with its reasons", () => {
    const r = graft(["recommend", "--data", train, ...BASE]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Recommended scenario: (small|large)-(similar|different)/);
    expect(r.out).toContain("size: ");
    expect(r.out).toContain("linear probe");
    const j = JSON.parse(graft(["recommend", "--data", train, ...BASE, "--json"]).out);
    expect(j.measurements.classes).toBe(demo.classes.length);
    expect(j.measurements.large).toBe(false);
  });
});

describe("graft train: configuration errors name the key or path, exit 2 and write nothing", () => {
  const empty = join(scratch, "empty");
  mkdirSync(join(empty, "a"), { recursive: true });
  mkdirSync(join(empty, "b"), { recursive: true });
  const config = (name: string, value: unknown) => {
    const p = join(scratch, name);
    writeFileSync(p, JSON.stringify(value));
    return p;
  };
  const cases: [string, string[], RegExp][] = [
    ["unknown flag", ["--data", train, "--epoch", "3"], /Unknown option '--epoch'/],
    [
      "unknown key in --config",
      ["--config", config("k.json", { data: train, epoch: 3 })],
      /k\.json: unknown key 'epoch'/,
    ],
    [
      "wrong type in --config",
      ["--config", config("t.json", { data: train, epochs: "3" })],
      /t\.json: epochs: expected an integer ≥ 1 but received "3"/,
    ],
    [
      "a missing folder",
      ["--data", join(scratch, "nope"), ...BASE],
      /data: Directory '.*nope' does not exist/,
    ],
    ["class folders without images", ["--data", empty, ...BASE], /data: No images in '.*empty'/],
    [
      "a layer that does not exist",
      [
        "--data",
        train,
        "--val-data",
        val,
        ...BASE,
        "--scenario",
        "small-different",
        "--cut-layer",
        "block9_pool",
      ],
      /cut-layer: no layer named 'block9_pool'/,
    ],
    [
      "a bad head",
      ["--data", train, ...BASE, "--head", "flatten,dense:-3"],
      /head: invalid item 'dense:-3'/,
    ],
    [
      "a missing weights file",
      ["--data", train, "--weights", join(scratch, "none.h5"), "--input-size", "32"],
      /weights: no such file/,
    ],
    [
      "a missing augment file",
      ["--data", train, ...BASE, "--augment", "aug.json"],
      /augment: cannot read '.*aug\.json'/,
    ],
    [
      "rescale on top of caffe",
      ["--data", train, ...BASE, "--augment", config("a.json", { rescale: 0.5 })],
      /augment: rescale would come on top of preprocess caffe/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const out = join(scratch, `bad-${what.replace(/\W+/g, "-")}`);
      const r = graft(["train", ...args, "--out", out]);
      expect(r.code).toBe(2);
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it("--weights imagenet with no cached file and no network: one message naming the fix", () => {
    const home = join(scratch, "keras-home");
    mkdirSync(home, { recursive: true });
    const out = join(scratch, "no-weights");
    // Port 9 on loopback: nothing listens, the download fails at once.
    const r = graft(["train", "--data", train, "--input-size", "32", "--out", out], {
      KERAS_HOME: home,
      GRAFT_WEIGHTS_BASE_URL: "http://127.0.0.1:9/",
    });
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("graft weights fetch vgg19");
    expect(r.err).toContain(join(home, "models"));
    expect(r.err).toContain("--weights FILE or --weights none");
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("a run folder that already holds a run is not overwritten", () => {
    const out = join(scratch, "taken");
    mkdirSync(out);
    writeFileSync(join(out, "config.json"), "{}");
    const r = graft(["train", "--data", train, ...BASE, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already holds a run; continue it with --resume/);
    expect(readFileSync(join(out, "config.json"), "utf8")).toBe("{}");
  });
});

describe("graft train --resume after a kill mid-epoch", () => {
  it("ends with the same weights and history as a run never interrupted", async () => {
    const args = (out: string) => [
      "train",
      "--data",
      train,
      "--val-data",
      val,
      ...BASE,
      "--scenario",
      "large-similar",
      "--epochs",
      "4",
      "--batch-size",
      "32",
      "--head",
      "flatten,dense:32,dropout:0.5",
      "--lr",
      "0.01",
      "--augment",
      "recipe",
      "--backend",
      "graft-cpu",
      "--seed",
      "11",
      "--out",
      out,
    ];
    const whole = join(scratch, "whole");
    const killed = join(scratch, "killed");
    const a = graft(args(whole));
    expect(a.code, a.err).toBe(0);
    // GRAFT_KILL_AT: SIGKILL after batch 2 of epoch 3, as a crash would.
    const k = graft(args(killed), { GRAFT_KILL_AT: "3:2" });
    expect(k.signal === "SIGKILL" || k.code === 137).toBe(true);
    expect(
      readFileSync(join(killed, "history.csv"), "utf8").split("\r\n").filter(Boolean),
    ).toHaveLength(3);
    // kill -9 left its lock; a temporary like one cut short mid-checkpoint goes beside it.
    const holder = JSON.parse(readFileSync(join(killed, "run.lock"), "utf8"));
    writeFileSync(join(killed, `.last.h5.tmp-${holder.pid}-0badc0de`), "partial");
    const r = graft(["train", "--resume", killed, "--backend", "graft-cpu"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("Resuming large-similar");
    expect(r.err).toContain(`taking over the lock of ${killed}: its run (pid ${holder.pid}`);
    expect(r.err).toContain("removed 1 temporary file(s)");
    expect(readdirSync(killed).filter((n) => n.includes(".tmp-") || n === "run.lock")).toEqual([]);
    expect(readFileSync(join(killed, "history.csv"), "utf8")).toBe(
      readFileSync(join(whole, "history.csv"), "utf8"),
    );
    const wa = await weightsOf(join(whole, "last.h5"));
    const wb = await weightsOf(join(killed, "last.h5"));
    expect([...wb.keys()]).toEqual([...wa.keys()]);
    for (const [name, values] of wa)
      expect(Array.from(wb.get(name) as Float32Array), name).toEqual(Array.from(values));
  }, 600_000);
});
