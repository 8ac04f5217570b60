/** DirectoryIterator: batches, labels, Keras' plain pictures, prefetch and the two protocols. */
import "@tensorflow/tfjs-backend-cpu";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { fixture } from "@graft/test-fixtures";
import { readNpy } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Batch, type DirectoryIterator, flowFromDirectory } from "../src/index.ts";
import { makeTree } from "./helpers/images.ts";
import { buildKerasTree, dataManifest } from "./helpers/tree.ts";

const roots: string[] = [];
let keras: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  keras = buildKerasTree();
  roots.push(dirname(keras));
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function tree(spec: Record<string, number>, size?: number[]) {
  const r = await makeTree(spec, size);
  roots.push(r);
  return r;
}

const quiet = { warn: () => {} };

function take(b: Batch) {
  const out = {
    x: Array.from(b.xs.dataSync()),
    y: b.ys ? Array.from(b.ys.dataSync()) : null,
    idx: Array.from(b.indices),
  };
  tf.dispose([b.xs, b.ys as tf.Tensor]);
  return out;
}

describe("plain pictures (ImageDataGenerator() with no augmentation)", () => {
  for (const g of dataManifest.flow_from_directory.batches.filter((b) => !b.augment)) {
    it(`equal Keras' batch, ${g.color_mode}`, async () => {
      const it = await flowFromDirectory(keras, {
        targetSize: g.target_size,
        batchSize: 32,
        classes: g.classes,
        colorMode: g.color_mode,
        classMode: "sparse",
        shuffle: false,
        includeHidden: true,
        ...quiet,
      });
      const b = take(await it.getItem(0));
      expect(b.x).toEqual(Array.from(readNpy(fixture("data", g.x)).data as Float32Array));
      expect(b.y).toEqual(Array.from(readNpy(fixture("data", g.y)).data as Float32Array));
    });
  }
});

describe("batches and labels", () => {
  it("ceil(n / batch) batches per epoch, a partial last batch, every file once", async () => {
    const root = await tree({ a: 5, b: 4 });
    const it = await flowFromDirectory(root, {
      targetSize: [6, 8],
      batchSize: 4,
      seed: 1,
      ...quiet,
    });
    expect(it.length).toBe(3);
    const seen: number[] = [];
    const sizes: number[] = [];
    for await (const b of it) {
      sizes.push(b.xs.shape[0]);
      expect(b.xs.shape.slice(1)).toEqual([6, 8, 3]);
      expect(b.ys?.shape).toEqual([b.xs.shape[0], 2]);
      seen.push(...b.indices);
      tf.dispose([b.xs, b.ys as tf.Tensor]);
    }
    expect(sizes).toEqual([4, 4, 1]);
    expect(seen.sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("class modes: categorical one-hot, binary and sparse indices, input copies x, none has no y", async () => {
    const root = await tree({ a: 2, b: 1, c: 1 });
    const get = async (classMode: "categorical" | "binary" | "sparse" | "input" | "none") => {
      const it = await flowFromDirectory(root, {
        targetSize: [6, 8],
        batchSize: 4,
        shuffle: false,
        classMode,
        ...quiet,
      });
      return it.getItem(0);
    };
    const cat = take(await get("categorical"));
    expect(cat.y).toEqual([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(take(await get("sparse")).y).toEqual([0, 0, 1, 2]);
    expect(take(await get("binary")).y).toEqual([0, 0, 1, 2]); // Keras: >2 classes silently
    const inp = take(await get("input"));
    expect(inp.y).toEqual(inp.x);
    expect(take(await get("none")).y).toBeNull();
  });

  it("the pixels are the files' pixels (nearest resize from 8×6 to 12×16 repeats each pixel 2×2)", async () => {
    const root = await tree({ a: 1 });
    const it = await flowFromDirectory(root, { targetSize: [12, 16], batchSize: 1, ...quiet });
    const b = take(await it.getItem(0));
    const at = (y: number, x: number, k: number) => b.x[(y * 16 + x) * 3 + k];
    expect([at(0, 0, 0), at(1, 1, 0), at(0, 2, 0), at(2, 0, 1)]).toEqual([0, 0, 1, 1]);
    expect(at(11, 15, 2)).toBe((7 * 5) % 256);
  });
});

describe("seeded order and prefetch", () => {
  async function sequence(it: DirectoryIterator, calls: ("next" | "get0" | "end" | "epoch")[]) {
    const out: number[][] = [];
    for (const c of calls) {
      if (c === "next") out.push(take(await it.next()).idx);
      else if (c === "get0") out.push(take(await it.getItem(0)).idx);
      else if (c === "end") it.onEpochEnd();
      else for await (const b of it) out.push(take(b).idx);
    }
    return out;
  }

  it("prefetching never changes what comes out, whatever the calls are mixed with", async () => {
    const root = await tree({ a: 6, b: 5 });
    const calls = [
      "next",
      "next",
      "get0",
      "epoch",
      "next",
      "end",
      "next",
      "epoch",
      "epoch",
    ] as const;
    const make = (prefetch: number) =>
      flowFromDirectory(root, { targetSize: [6, 8], batchSize: 3, seed: 9, prefetch, ...quiet });
    const a = await sequence(await make(0), [...calls]);
    const b = await sequence(await make(4), [...calls]);
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(10);
  });

  it("checkpoint() mid-run and resume() in a fresh iterator: the same batches follow, prefetched or not", async () => {
    const root = await tree({ a: 6, b: 5 });
    const make = (prefetch: number) =>
      flowFromDirectory(root, { targetSize: [6, 8], batchSize: 3, seed: 4, prefetch, ...quiet });
    const first = await make(3);
    await sequence(first, ["epoch", "next"]); // prefetch has run ahead of this point
    const saved = JSON.parse(JSON.stringify(first.checkpoint()));
    const rest = await sequence(first, ["epoch", "epoch"]);
    const again = await make(0);
    again.resume(saved);
    expect(await sequence(again, ["epoch", "epoch"])).toEqual(rest);
    const wrong = await flowFromDirectory(await tree({ a: 2 }), {
      targetSize: [6, 8],
      ...quiet,
    });
    expect(() => wrong.resume(saved)).toThrow(/does not match this iterator \(2 samples\)/);
  });

  it("a seed fixes the order; another seed changes it", async () => {
    const root = await tree({ a: 6, b: 6 });
    const order = async (seed: number | null) => {
      const it = await flowFromDirectory(root, {
        targetSize: [6, 8],
        batchSize: 12,
        seed,
        ...quiet,
      });
      return take(await it.next()).idx;
    };
    expect(await order(5)).toEqual(await order(5));
    expect(await order(5)).not.toEqual(await order(6));
  });
});

describe("tfjs-layers", () => {
  it("fitDataset trains on toDataset() for several epochs and disposes every batch", async () => {
    const root = await tree({ a: 6, b: 6 }, [8, 8]);
    const it = await flowFromDirectory(root, {
      targetSize: [8, 8],
      batchSize: 5,
      seed: 3,
      ...quiet,
    });
    const model = tfl.sequential({
      layers: [
        tfl.layers.rescaling({ scale: 1 / 255, inputShape: [8, 8, 3] }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    model.compile({
      optimizer: tf.train.adam(0.05),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
    });
    const before = tf.memory().numTensors;
    const h = await model.fitDataset(it.toDataset() as never, { epochs: 4, verbose: 0 });
    expect(h.history.loss).toHaveLength(4);
    expect(tf.memory().numTensors - before).toBeLessThan(12); // optimizer slots, not batches
    model.dispose();
  });
});
