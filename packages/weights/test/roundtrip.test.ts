import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWeights, openWeights, saveWeights, toSnakeCase, WeightsError } from "../src/index.ts";

/** Conv + BN + Dense: covers non-trainable weights and shapes of every rank. */
function smallModel(seed: number): tfl.LayersModel {
  const init = { kernelInitializer: tfl.initializers.randomNormal({ seed }) };
  const input = tfl.input({ shape: [6, 6, 3], name: "input_layer" });
  let x = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, name: "conv_a", ...init })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .batchNormalization({
      name: "bn",
      movingMeanInitializer: tfl.initializers.randomUniform({
        minval: -1,
        maxval: 1,
        seed: seed + 1,
      }),
      gammaInitializer: tfl.initializers.randomUniform({
        minval: 0.5,
        maxval: 1.5,
        seed: seed + 2,
      }),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 3, name: "dense", ...init }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: "small" });
}

function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.getWeights().map((t) => t.dataSync() as Float32Array);
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-weights-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("save and load round trip", () => {
  for (const [format, file] of [
    ["keras2", "small.h5"],
    ["keras3", "small.weights.h5"],
  ] as const) {
    it(`${format}: a second model gets exactly the first one's weights`, async () => {
      const a = smallModel(1);
      const b = smallModel(2);
      expect(weightsOf(a)[0]).not.toEqual(weightsOf(b)[0]);
      const path = join(dir, file);
      await saveWeights(a, path);
      const report = await loadWeights(b, path);
      expect(report.layout).toBe(format === "keras2" ? "keras2" : "keras3");
      expect(report.loaded).toEqual(["conv_a", "bn", "dense"]);
      expect(weightsOf(b)).toEqual(weightsOf(a));
      // The file appeared atomically: no temp file is left beside it.
      expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    });
  }

  it("writes Keras 2 names and nested groups (<layer>/<layer>/kernel:0)", async () => {
    const path = join(dir, "names.h5");
    await saveWeights(smallModel(1), path);
    const f = await openWeights(path);
    try {
      expect(f.layers.map((l) => l.name)).toEqual([
        "input_layer",
        "conv_a",
        "bn",
        "flatten",
        "dense",
      ]);
      expect(f.layers[2]?.weights.map((w) => w.name)).toEqual([
        "bn/gamma:0",
        "bn/beta:0",
        "bn/moving_mean:0",
        "bn/moving_variance:0",
      ]);
      expect(f.layers[1]?.weights[0]?.shape).toEqual([3, 3, 3, 4]);
      expect(f.kerasVersion).toMatch(/^2\./);
    } finally {
      f.close();
    }
  });

  it("writes Keras 3 container keys and vars names", async () => {
    const path = join(dir, "keys.weights.h5");
    await saveWeights(smallModel(1), path);
    const f = await openWeights(path);
    try {
      const withWeights = f.layers.filter((l) => l.weights.length > 0);
      expect(withWeights.map((l) => [l.key, l.name])).toEqual([
        ["layers/batch_normalization", "bn"],
        ["layers/conv2d", "conv_a"],
        ["layers/dense", "dense"],
      ]);
      expect(f.hasLayerNames).toBe(true);
    } finally {
      f.close();
    }
  });
});

describe("failed loads leave the model untouched", () => {
  it("Layer count mismatch names both counts", async () => {
    const path = join(dir, "count.h5");
    await saveWeights(smallModel(1), path);
    const input = tfl.input({ shape: [4], name: "in" });
    const out = tfl.layers.dense({ units: 2, name: "only" }).apply(input) as tfl.SymbolicTensor;
    const other = tfl.model({ inputs: input, outputs: out });
    const before = weightsOf(other);
    await expect(loadWeights(other, path)).rejects.toThrow(
      /Layer count mismatch.*expected 1 layers, found 3 saved layers/,
    );
    expect(weightsOf(other)).toEqual(before);
  });

  it("a shape mismatch in the last layer leaves the earlier layers unchanged", async () => {
    const path = join(dir, "shape.h5");
    await saveWeights(smallModel(1), path);
    // Same layers, but the last Dense has 5 units instead of 3.
    const input = tfl.input({ shape: [6, 6, 3], name: "input_layer" });
    let x = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, name: "conv_a" })
      .apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: "bn" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 5, name: "dense" }).apply(x) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: x });
    const before = weightsOf(m);
    const err = await loadWeights(m, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as Error).message).toMatch(
      /Shape mismatch in layer #2 \(named "dense".*weight expects shape \(64, 5\), received saved weight "dense\/kernel:0" with shape \(64, 3\)/,
    );
    expect(weightsOf(m)).toEqual(before);
  });

  it("by name with skipMismatch loads the matching layers and reports the others", async () => {
    const path = join(dir, "byname.h5");
    const src = smallModel(1);
    await saveWeights(src, path);
    const input = tfl.input({ shape: [6, 6, 3], name: "input_layer" });
    let x = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, name: "conv_a" })
      .apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 2, name: "dense" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 2, name: "not_in_file" }).apply(x) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: input, outputs: x });
    await expect(loadWeights(m, path, { byName: true })).rejects.toThrow(
      /layer "dense".*expects shape \(64, 2\)/,
    );
    const warnings: string[] = [];
    const report = await loadWeights(m, path, {
      byName: true,
      skipMismatch: true,
      onWarning: (w) => warnings.push(w),
    });
    expect(report.loaded).toEqual(["conv_a"]);
    expect(report.skipped.map((s) => s.layer)).toEqual(["dense"]);
    expect(warnings[0]).toMatch(/Skipping loading weights for layer "dense"/);
    expect(weightsOf(m)[0]).toEqual(weightsOf(src)[0]);
  });

  it("a corrupt file is a clear error, not a crash", async () => {
    const path = join(dir, "garbage.h5");
    writeFileSync(path, Buffer.from("this is not hdf5 at all, just text"));
    await expect(openWeights(path)).rejects.toThrow(/Cannot open .*garbage.h5 as HDF5/);
    await expect(openWeights(join(dir, "missing.h5"))).rejects.toThrow(/Cannot read .*missing.h5/);
  });
});

describe("toSnakeCase follows Keras' naming", () => {
  it.each([
    ["Conv2D", "conv2d"],
    ["MaxPooling2D", "max_pooling2d"],
    ["BatchNormalization", "batch_normalization"],
    ["InputLayer", "input_layer"],
    ["GlobalAveragePooling2D", "global_average_pooling2d"],
    ["Dense", "dense"],
  ])("%s → %s", (cls, snake) => expect(toSnakeCase(cls)).toBe(snake));
});
