/**
 * What the application tests share: the fixtures real Keras wrote into
 * test-fixtures/applications (scripts/make_application_fixtures.py), and the two checks every
 * family gets — its full-size members have Keras' layers, order and totals, and a small member
 * with seeded weights reproduces Keras' preprocessing, features and probabilities.
 */
import { readFileSync } from "node:fs";
import { fixture } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";
import { type PreprocessMode, preprocessInput, summarize } from "../src/index.ts";

/** [name, class, output shape, weight shapes] of one layer. */
export type LayerRow = [string, string, unknown, number[][]];

/** Parameter totals as Keras counts them. */
export interface Totals {
  total: number;
  trainable: number;
  non_trainable: number;
}

/** architectures.json: the full-size members. */
export const arch = JSON.parse(
  readFileSync(fixture("applications", "architectures.json"), "utf8"),
) as {
  models: Record<
    string,
    { keras_name: string; params_top: Totals; params_notop: Totals; layers: LayerRow[] }
  >;
};

/** One small member of manifest.json. */
export interface TinyEntry {
  keras_name: string;
  /** graft's builder options for the same network (stacks, blocks, alpha, filterScale). */
  options: Record<string, unknown>;
  /** The input file (2 images at the member's side). */
  input: string;
  feature_layer: string;
  params: Totals;
  layers: string[];
  train_output_sensitivity: number;
}

/** manifest.json: the official files' hashes and the small members. */
export const manifest = JSON.parse(
  readFileSync(fixture("applications", "manifest.json"), "utf8"),
) as {
  weights: Record<string, { base_url: string; hashes: Record<string, [string, string]> }>;
  tiny: Record<string, TinyEntry>;
};

/** A path under test-fixtures/applications. */
export const app = (...p: string[]) => fixture("applications", ...p);

/** The small member `key` of the manifest; throws if the fixtures lack it. */
export function tiny(key: string): TinyEntry {
  const t = manifest.tiny[key];
  if (!t) throw new Error(`no tiny model ${key} in test-fixtures/applications/manifest.json`);
  return t;
}

/** `model`'s parameter totals, in Keras' terms. */
export function totals(model: tfl.LayersModel): Totals {
  const s = summarize(model);
  return {
    total: s.totalParams,
    trainable: s.trainableParams,
    non_trainable: s.nonTrainableParams,
  };
}

/**
 * The full-size member `key` built by `build` has Keras' layers in Keras' order (name, class,
 * output shape, weight shapes), Keras' model name and Keras' totals with and without the top.
 * `kerasClass` names the Keras class of a graft layer where the two differ by design (graft's
 * own class otherwise).
 */
export function expectKerasArchitecture(
  key: string,
  build: (o: { weights: null; includeTop?: boolean }) => tfl.LayersModel,
  kerasClass: (layer: tfl.layers.Layer) => string = (l) => l.getClassName(),
): void {
  const want = arch.models[key];
  if (!want) throw new Error(`no Keras architecture for ${key}`);
  const model = build({ weights: null });
  try {
    expect(model.name).toBe(want.keras_name);
    const got = model.layers.map((l) => [
      l.name,
      kerasClass(l),
      l.outputShape,
      l.weights.map((w) => w.shape),
    ]);
    // Keras counts the input layer of a Functional model in model.layers; so does tfjs.
    expect(got.length).toBe(want.layers.length);
    for (let i = 0; i < got.length; i++) expect(got[i], `layer #${i}`).toEqual(want.layers[i]);
    expect(totals(model)).toEqual(want.params_top);
  } finally {
    model.dispose();
  }
  const notop = build({ weights: null, includeTop: false });
  try {
    expect(totals(notop)).toEqual(want.params_notop);
  } finally {
    notop.dispose();
  }
}

/**
 * The small member `key`, loaded by `load` from its file, reproduces Keras on the current
 * backend: layer names, totals, `mode`'s preprocessing (1e-6), the feature layer's output and
 * the probabilities in inference mode (1e-4), and in training mode to ten times Keras' own
 * sensitivity there (a batch of two normalised at 1×1 is ill-conditioned whoever computes it),
 * at least 1e-4.
 */
export async function expectReproducesKeras(
  key: string,
  mode: PreprocessMode,
  load: (weights: string) => Promise<tfl.LayersModel>,
): Promise<void> {
  const t = tiny(key);
  const model = await load(app(`${key}.h5`));
  const raw = readNpyFloat32(app(t.input));
  const x = tf.tensor(raw.data, raw.shape);
  const px = preprocessInput(x, mode);
  try {
    expect(model.layers.map((l) => l.name)).toEqual(t.layers);
    expect(totals(model)).toEqual(t.params);
    expect(relErr(px.dataSync(), readNpyFloat32(app(`${key}.preprocessed.npy`)).data)).toBeLessThan(
      1e-6,
    );
    const features = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer(t.feature_layer).output as tfl.SymbolicTensor,
    });
    const got = {
      features: (features.predict(px) as tf.Tensor).dataSync(),
      output: (model.predict(px) as tf.Tensor).dataSync(),
      train_output: (model.apply(px, { training: true }) as tf.Tensor).dataSync(),
    };
    const trainTol = Math.max(1e-4, 10 * t.train_output_sensitivity);
    expect(trainTol, "Keras' own training-mode sensitivity").toBeLessThan(0.02);
    for (const [name, values] of Object.entries(got)) {
      const want = readNpyFloat32(app(`${key}.${name}.npy`)).data;
      expect(relErr(values, want), name).toBeLessThan(name === "train_output" ? trainTol : 1e-4);
    }
  } finally {
    tf.dispose([x, px]);
    model.dispose();
  }
}

/** The official files' base URL and [top, notop] md5s of `family` as Keras' module declares them. */
export function kerasWeights(family: string): {
  base_url: string;
  hashes: Record<string, [string, string]>;
} {
  const w = manifest.weights[family];
  if (!w) throw new Error(`no weights of ${family} in test-fixtures/applications/manifest.json`);
  return w;
}

/**
 * A real HTTP server on 127.0.0.1 answering `path` with `body` and anything else with 404, for
 * the official-weights downloads; `requests()` counts every request.
 */
export async function serveFile(
  path: string,
  body: Uint8Array,
): Promise<{ baseUrl: string; requests(): number; close(): void }> {
  const { createServer } = await import("node:http");
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    if (req.url === path) {
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end("not here");
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}/keras/`,
    requests: () => count,
    close: () => server.close(),
  };
}

/** One get_file call real Keras made (make_mobilenet_v2_names.py). */
export interface KerasFileCall {
  alpha: number;
  input_shape: [number, number, number] | null;
  include_top: boolean;
  fname: string;
  origin: string;
  file_hash: string | null;
}

/** The get_file calls recorded in `file` (mobilenet_files.json, mobilenet_v2_files.json). */
export function kerasFileCalls(file: string): KerasFileCall[] {
  return (JSON.parse(readFileSync(app(file), "utf8")) as { files: KerasFileCall[] }).files;
}

/** What `expectFetchedOnce` builds with: no top, 32 px, a fresh cache, the local server. */
export interface FetchOptions {
  includeTop: false;
  inputShape: [number, number, number];
  cacheDir: string;
  baseUrl: string;
}

/**
 * Every get_file call in `file` names the file and URL `namer` gives for the same alpha, side
 * and top, and none has a checksum.
 */
export function expectKerasFileNames(
  file: string,
  namer: (
    alpha: number,
    rows: number,
    cols: number,
    includeTop: boolean,
  ) => { fname: string; url: string },
): void {
  const calls = kerasFileCalls(file);
  expect(calls.length).toBeGreaterThan(4);
  for (const f of calls) {
    const [rows, cols] = f.input_shape ?? [224, 224];
    const got = namer(f.alpha, rows, cols, f.include_top);
    expect(got.fname, JSON.stringify(f)).toBe(f.fname);
    expect(got.url).toBe(f.origin);
    expect(f.file_hash).toBeNull();
  }
}

/**
 * `load` (an "imagenet" builder without its top, at 32 px) downloads `path` once from a real
 * server on 127.0.0.1 into a fresh Keras cache, serving `key`'s fixture file there, and
 * reproduces that fixture's features twice (the second time from the cache); `missing`, whose
 * file the server lacks, fails and leaves nothing built.
 */
export async function expectFetchedOnce(
  path: string,
  key: string,
  load: (o: FetchOptions) => Promise<tfl.LayersModel>,
  missing: (o: FetchOptions) => Promise<tfl.LayersModel>,
): Promise<void> {
  const { mkdtempSync, readdirSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join, basename } = await import("node:path");
  const server = await serveFile(path, readFileSync(app(`${key}.h5`)));
  const cacheDir = mkdtempSync(join(tmpdir(), "graft-fetch-"));
  try {
    const options: FetchOptions = {
      includeTop: false,
      inputShape: [32, 32, 3],
      cacheDir,
      baseUrl: server.baseUrl,
    };
    const px = readNpyFloat32(app(`${key}.preprocessed.npy`));
    const want = readNpyFloat32(app(`${key}.features.npy`)).data;
    for (let round = 0; round < 2; round++) {
      const model = await load(options);
      const x = tf.tensor(px.data, px.shape);
      const features = model.predict(x) as tf.Tensor;
      expect(relErr(features.dataSync(), want)).toBeLessThan(1e-4);
      tf.dispose([x, features]);
      model.dispose();
    }
    expect(server.requests(), "the second build reads the cache").toBe(1);
    expect(readdirSync(join(cacheDir, "models"))).toContain(basename(path));
    await expect(missing(options)).rejects.toThrow(/404/);
  } finally {
    server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * The gradients of a training-mode loss (mean square of the output) with respect to every
 * trainable weight of the small member `key`, loaded by `load` from its file, agree on
 * graft-cpu and tfjs-cpu to `tol` (normwise, per weight): graft's native kernels and gradients
 * for the family's layers against tfjs' reference ones. A weight whose true gradient is zero
 * (the shift of a BatchNormalization that a training-mode one follows) has only rounding noise
 * on either side, so each difference is measured against at least 1e-4 of the largest
 * gradient's norm. Leaves the backend on tfjs-cpu.
 */
export async function expectGradientsMatchCpu(
  key: string,
  load: (weights: string) => Promise<tfl.LayersModel>,
  tol = 1e-3,
): Promise<void> {
  const raw = readNpyFloat32(app(`${key}.preprocessed.npy`));
  const gradients = async (backend: string) => {
    await tf.setBackend(backend);
    const model = await load(app(`${key}.h5`));
    try {
      const x = tf.tensor(raw.data, raw.shape);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
        vars,
      );
      const out = vars.map((v) => (grads[v.name] as tf.Tensor).dataSync().slice());
      tf.dispose([x, value, ...Object.values(grads)]);
      return { names: model.trainableWeights.map((w) => w.originalName), out };
    } finally {
      model.dispose();
    }
  };
  const want = await gradients("cpu");
  const got = await gradients("graft-cpu");
  await tf.setBackend("cpu");
  expect(got.names).toEqual(want.names);
  expect(got.names.length).toBeGreaterThan(10);
  const norm = (v: ArrayLike<number>) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += (v[k] as number) ** 2;
    return Math.sqrt(s);
  };
  const floor = 1e-4 * Math.max(...want.out.map(norm));
  expect(floor).toBeGreaterThan(0);
  for (let i = 0; i < want.out.length; i++) {
    const w = want.out[i] as Float32Array;
    const g = got.out[i] as Float32Array;
    const diff = norm(g.map((v, k) => v - (w[k] as number)));
    expect(diff / Math.max(norm(w), floor), got.names[i]).toBeLessThan(tol);
  }
}
