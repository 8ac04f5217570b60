/**
 * Every Keras layout, written by real Keras 3 or mirrored with h5py by
 * test-fixtures/scripts/make_keras_fixtures.py: the reader finds the layers,
 * names, shapes and values Keras recorded, and a model loaded from each file
 * reproduces Keras' own outputs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixture, kerasFixture, kerasManifest, type ManifestModel } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpy } from "@graft/test-fixtures/npy";
import { findPython } from "@graft/test-fixtures/python";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { loadWeights, openWeights, saveWeights, type WeightLayout } from "../src/index.ts";

const manifest = kerasManifest();

const LAYOUTS: Record<string, WeightLayout> = {
  keras1: "keras1",
  keras2_weights: "keras2",
  keras2_weights_fixedlen: "keras2",
  keras2_weights_prefix: "keras2",
  keras2_weights_chunked: "keras2",
  keras2_full: "keras2-full",
  keras3_legacy: "keras3-legacy-full",
  keras3_weights: "keras3",
  keras3: "keras3-archive",
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function modelOf(key: string): ManifestModel {
  const m = manifest.models[key];
  if (!m) throw new Error(`manifest has no model ${key}`);
  return m;
}

describe.each(manifest.files.map((f) => [f.path, f] as const))("%s", (path, file) => {
  const model = modelOf(file.key);
  const expectedLayers = model.layers.filter((l) => l.weights.length > 0);

  it(`is read as ${LAYOUTS[file.layout]} with Keras' layers, shapes and values`, async () => {
    const f = await openWeights(kerasFixture(path));
    try {
      expect(f.layout).toBe(LAYOUTS[file.layout]);
      const stored = f.layers.filter((l) => l.weights.length > 0);
      if (f.layout === "keras3" || f.layout === "keras3-archive") {
        // Keras 3 files are keyed by class name; the `name` attribute (Keras ≥ 3.6) gives the layer.
        const byKey = new Map(stored.map((l) => [l.key, l]));
        for (const l of expectedLayers) {
          const s = byKey.get((l.keras3_vars_path as string).replace(/\/vars$/, ""));
          expect(s?.name).toBe(l.name);
        }
      } else {
        expect(stored.map((l) => l.name)).toEqual(expectedLayers.map((l) => l.keras2_group));
      }
      if (file.layout === "keras1") expect(stored[0]?.weights[0]?.name).toMatch(/_W_1:0$/);
      if (file.layout === "keras2_weights_prefix")
        expect(stored[0]?.weights[0]?.name).toBe("conv_a_1/kernel:0");
      const byName = new Map(stored.map((l) => [l.name, l]));
      for (const l of expectedLayers) {
        const s = byName.get(
          f.layout.startsWith("keras3") && !f.layout.includes("legacy") ? l.name : l.keras2_group,
        );
        expect(s?.weights.map((w) => w.shape)).toEqual(l.weights.map((w) => w.shape));
        l.weights.forEach((w, i) => {
          const data = s?.weights[i]?.read() as Float32Array;
          expect(s?.weights[i]?.dtype).toBe("float32");
          let sum = 0;
          for (const v of data) sum += v;
          expect(Math.abs(sum - w.sum)).toBeLessThanOrEqual(1e-6 * w.sum_abs + 1e-12);
          expect(data[0]).toBe(Math.fround(w.first));
        });
      }
    } finally {
      f.close();
    }
  });
});

/** The `mixed` Sequential, built by hand with Keras' names (no @graft/models here). */
function mixedModel(): tfl.Sequential {
  const m = tfl.sequential({ name: "mixed" });
  m.add(
    tfl.layers.conv2d({
      inputShape: [8, 8, 3],
      filters: 6,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      name: "conv_a",
    }),
  );
  m.add(tfl.layers.batchNormalization({ name: "bn", momentum: 0.99, epsilon: 0.001 }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: "pool" }));
  m.add(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "valid", name: "conv_b" }));
  m.add(tfl.layers.flatten({ name: "flatten" }));
  m.add(tfl.layers.dense({ units: 7, activation: "relu", name: "dense_a" }));
  m.add(tfl.layers.dense({ units: 3, activation: "softmax", name: "dense_out" }));
  return m;
}

describe("a model loaded from each mixed.* file reproduces Keras' output", () => {
  const info = modelOf("mixed");
  const input = readNpy(kerasFixture(info.input));
  const golden = readNpy(kerasFixture(info.output));
  for (const file of manifest.files.filter((f) => f.key === "mixed")) {
    it(`${file.path} (topological)`, async () => {
      const m = mixedModel();
      await loadWeights(m, kerasFixture(file.path));
      const out = tf.tidy(() =>
        (m.predict(tf.tensor(input.data as Float32Array, input.shape)) as tf.Tensor).dataSync(),
      );
      expect(out.length).toBe(golden.data.length);
      expect(relErr(out as Float32Array, golden.data as Float32Array)).toBeLessThanOrEqual(
        manifest.tolerance.rel_err,
      );
      m.dispose();
    });
  }

  it("by name, from the Keras 2 file and the Keras 3.6+ file alike", async () => {
    for (const path of ["mixed.keras2_weights.h5", "mixed.keras3_weights.weights.h5"]) {
      const m = mixedModel();
      const report = await loadWeights(m, kerasFixture(path), { byName: true });
      expect(report.loaded).toEqual(["conv_a", "bn", "conv_b", "dense_a", "dense_out"]);
      const out = tf.tidy(() =>
        (m.predict(tf.tensor(input.data as Float32Array, input.shape)) as tf.Tensor).dataSync(),
      );
      expect(relErr(out as Float32Array, golden.data as Float32Array)).toBeLessThanOrEqual(
        manifest.tolerance.rel_err,
      );
      m.dispose();
    }
  });

  it("exposes model_config of full-model files", async () => {
    for (const path of ["mixed.keras2_full.h5", "mixed.keras3_legacy.h5", "mixed.keras3.keras"]) {
      const f = await openWeights(kerasFixture(path));
      try {
        expect(JSON.stringify(f.modelConfig)).toContain("conv_a");
        expect(f.kerasVersion).not.toBeNull();
      } finally {
        f.close();
      }
    }
  });
});

const python = findPython("keras, h5py") ?? "python3";
const hasKeras = findPython("keras, h5py") !== null;
if (!hasKeras) console.log("[skip] Keras interop: no python3 here imports keras and h5py");

describe.skipIf(!hasKeras)("Python Keras loads what graft writes (Sequential)", () => {
  it("mixed: Keras 2 layout and Keras 3 .weights.h5", async () => {
    const dir = mkdtempSync(join(tmpdir(), "graft-interop-"));
    try {
      const m = mixedModel();
      await loadWeights(m, kerasFixture("mixed.keras1.h5"));
      await saveWeights(m, join(dir, "mixed.keras2.h5"));
      await saveWeights(m, join(dir, "mixed.weights.h5"));
      m.dispose();
      const r = spawnSync(python, [fixture("scripts", "check_graft_files.py"), dir], {
        encoding: "utf8",
      });
      const results = r.stdout
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { file: string; ok: boolean; error: string | null });
      expect(results.map((x) => x.file).sort()).toEqual(["mixed.keras2.h5", "mixed.weights.h5"]);
      for (const x of results) expect(x, `${x.file}: ${x.error}`).toMatchObject({ ok: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
