/**
 * @graft/augment against real Keras (keras.src.legacy.preprocessing.image with this
 * machine's scipy), from goldens written by
 * test-fixtures/scripts/make_augment_fixtures.py. Tolerance: 1e-3 on the 0–255 scale.
 */
import "@tensorflow/tfjs-backend-cpu";
import { readFileSync } from "node:fs";
import { RandomState } from "@graft/data";
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyTransform,
  getRandomTransform,
  ImageDataGenerator,
  type ImageDataGeneratorOptions,
  parseGeneratorConfig,
  type Semantics,
  type TransformParams,
} from "../src/index.ts";

interface Manifest {
  inputs: Record<string, string>;
  affine: {
    semantics: Semantics;
    params: TransformParams;
    fill_mode: "constant" | "nearest" | "reflect" | "wrap";
    cval: number;
    order: 0 | 1;
    input: string;
    output: string;
  }[];
  apply_transform: {
    semantics: Semantics;
    params: TransformParams;
    input: string;
    input_affine: [number, number] | null;
    output: string;
  }[];
  random: {
    config: string;
    kwargs: Record<string, unknown>;
    shape: number[];
    seed: number;
    params: Record<string, number | boolean | null>;
  }[];
  sequence: {
    config: string;
    seed: number;
    shape: number[];
    params: Record<string, number | null>[];
  };
  standardize: {
    name: string;
    kwargs: Record<string, unknown>;
    fit: boolean;
    fit_augment?: boolean;
    output: string;
    mean?: number[];
    std?: number[];
  }[];
}

const dir = fixture("augment");
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8")) as Manifest;

function load(name: string): tf.Tensor {
  const a = readNpy(`${dir}/${name}`);
  return tf.tensor(Float32Array.from(a.data as Float32Array), a.shape, "float32");
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

/** Keras kwargs from the manifest as graft options (JSON cannot tell 4.0 from 4). */
function options(config: string, kwargs: Record<string, unknown>): ImageDataGeneratorOptions {
  const k = { ...kwargs };
  if (config === "float_px_shift") {
    k.width_shift_range = { float: k.width_shift_range };
    k.height_shift_range = { float: k.height_shift_range };
  }
  return parseGeneratorConfig(k);
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("apply_affine_transform (scipy.ndimage.affine_transform as Keras calls it)", () => {
  for (const c of manifest.affine) {
    it(`${c.semantics} ${JSON.stringify(c.params)} ${c.fill_mode} order ${c.order} (${c.input})`, () => {
      const x = load(manifest.inputs[c.input] as string) as tf.Tensor3D;
      const y = applyTransform(x, c.params, {
        fillMode: c.fill_mode,
        cval: c.cval,
        interpolationOrder: c.order,
        semantics: c.semantics,
      });
      expect(maxAbsDiff(y, load(c.output))).toBeLessThanOrEqual(1e-3);
      tf.dispose([x, y]);
    });
  }

  it("is not the identity, and the two semantics differ (the goldens can tell)", () => {
    const x = load(manifest.inputs.rgb as string) as tf.Tensor3D;
    const p = { tx: 3.5 };
    const a = applyTransform(x, p);
    const b = applyTransform(x, p, { semantics: "keras-preprocessing-1.1" });
    expect(maxAbsDiff(a, x)).toBeGreaterThan(10);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(10);
    tf.dispose([x, a, b]);
  });
});

describe("apply_transform (channel shift, flips, brightness)", () => {
  for (const c of manifest.apply_transform) {
    it(`${c.semantics} ${JSON.stringify(c.params)}`, () => {
      let x = load(manifest.inputs[c.input] as string) as tf.Tensor3D;
      if (c.input_affine) {
        const [s, o] = c.input_affine;
        // numpy: x * 1.5 + (-60), in float32
        x = tf.add(tf.mul(x, tf.scalar(s)), tf.scalar(o)) as tf.Tensor3D;
      }
      const y = applyTransform(x, c.params, { semantics: c.semantics });
      expect(maxAbsDiff(y, load(c.output))).toBeLessThanOrEqual(1e-3);
      tf.dispose([x, y]);
    });
  }
});

describe("get_random_transform (numpy's legacy RNG, draw for draw)", () => {
  for (const c of manifest.random) {
    it(`${c.config}, seed ${c.seed}`, () => {
      const gen = new ImageDataGenerator(options(c.config, c.kwargs));
      const p = getRandomTransform(gen, c.shape, c.seed);
      for (const [k, v] of Object.entries(c.params)) {
        const got = (p as Record<string, unknown>)[k];
        if (v === null) expect(got).toBeNull();
        else expect(Number(got)).toBe(Number(v));
      }
    });
  }

  it("continues one stream across calls, as np.random does", () => {
    const s = manifest.sequence;
    const gen = new ImageDataGenerator(options(s.config, manifestKwargs(s.config)));
    const rng = new RandomState(s.seed);
    for (const expected of s.params) {
      const p = gen.getRandomTransform(s.shape, null, rng) as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) {
        if (v === null) expect(p[k]).toBeNull();
        else expect(Number(p[k])).toBe(Number(v));
      }
    }
  });
});

function manifestKwargs(config: string): Record<string, unknown> {
  return (manifest.random.find((r) => r.config === config) as Manifest["random"][number]).kwargs;
}

describe("standardize and fit", () => {
  const data = () => load(manifest.inputs.fit as string) as tf.Tensor4D;
  for (const c of manifest.standardize) {
    it(c.name, () => {
      const x = data();
      const opts = parseGeneratorConfig(c.kwargs);
      if (c.name === "preprocessing_function") {
        opts.preprocessingFunction = (img) =>
          tf.sub(tf.reverse(img, -1), tf.scalar(100)) as tf.Tensor3D;
      }
      const gen = new ImageDataGenerator({ ...opts, warn: () => {} });
      if (c.fit) gen.fit(x, c.fit_augment ? { augment: true, rounds: 2, seed: 3 } : {});
      // numpy sums float32 pairwise, we sum in float64: the stats agree to ~1e-6 relative.
      const rel = (got: Float32Array | null, want: number[]) => {
        for (const [i, v] of want.entries()) {
          expect(Math.abs((got as Float32Array)[i]! - v) / Math.abs(v)).toBeLessThan(2e-6);
        }
      };
      if (c.mean) rel(gen.mean, c.mean);
      if (c.std) rel(gen.std, c.std);
      const probe = tf.slice(x, [0, 0, 0, 0], [3, -1, -1, -1]) as tf.Tensor4D;
      const y = gen.standardizeBatch(probe);
      const golden = load(c.output);
      // Whitened values are O(10); the float32 SVD Keras uses agrees with ours to ~1e-4 relative.
      const scale = Math.max(
        1,
        tf.tidy(() => tf.max(tf.abs(golden)).dataSync()[0] as number),
      );
      expect(maxAbsDiff(y, golden) / scale).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, probe, y, golden]);
    });
  }
});
