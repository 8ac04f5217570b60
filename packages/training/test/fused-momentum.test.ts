/**
 * sgdMomentum against tfjs's MomentumOptimizer: the same bits after several
 * steps (with and without Nesterov, a learning-rate change, a missing gradient),
 * one MomentumUpdate kernel per variable on graft-cpu, and tfjs's own ops where
 * the backend has no such kernel.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { FusedMomentumOptimizer, sgdMomentum } from "../src/index.ts";

/** Deterministic values with a spread of magnitudes and signs. */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = ((s / 4294967296) * 2 - 1) * 10 ** ((i % 5) - 2);
  }
  return a;
}

// A scalar, a bias, a kernel, and one big enough to be split across threads.
const SHAPES: number[][] = [[], [7], [3, 3, 2, 5], [200, 700]];

interface Run {
  vars: Float32Array[];
  slots: { name: string; values: Float32Array }[];
  kernels: string[];
  className: string;
}

/** Three steps of `make()` on fresh variables named `${tag}_i`, the third after a learning-rate change. */
async function run(tag: string, make: () => tf.Optimizer, skipOnStep2 = -1): Promise<Run> {
  const vars = SHAPES.map((shape, i) =>
    tf.variable(
      tf.tensor(values(tf.util.sizeFromShape(shape), 10 + i), shape),
      true,
      `${tag}_${i}`,
    ),
  );
  const opt = make();
  const kernels: string[] = [];
  for (let step = 0; step < 3; step++) {
    if (step === 2) (opt as tf.SGDOptimizer).setLearningRate(0.03);
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      // A null gradient leaves the variable as it is (tfjs matches slots to variables by position).
      grads[v.name] =
        step === 1 && i === skipOnStep2
          ? (null as unknown as tf.Tensor)
          : tf.tensor(values(v.size, 100 * step + i), v.shape);
    });
    const info = await tf.profile(() => opt.applyGradients(grads) as unknown as tf.Tensor);
    kernels.push(...info.kernels.map((k) => k.name));
    tf.dispose(Object.values(grads).filter((g) => g !== null));
  }
  const slots = await opt.getWeights();
  const out: Run = {
    vars: vars.map((v) => v.dataSync() as Float32Array),
    slots: slots.map((s) => ({ name: s.name, values: s.tensor.dataSync() as Float32Array })),
    kernels,
    className: opt.getClassName(),
  };
  opt.dispose();
  tf.dispose(vars);
  return out;
}

function expectSameBits(a: Run, b: Run, tagA: string, tagB: string) {
  a.vars.forEach((v, i) => {
    const w = b.vars[i] as Float32Array;
    expect(v.length).toBe(w.length);
    // Bit for bit: every product and sum rounds as tfjs's ops do.
    expect(
      v.every((x, k) => Object.is(x, w[k])),
      `variable ${i}`,
    ).toBe(true);
  });
  expect(a.slots.map((s) => s.name.replace(tagA, ""))).toEqual(
    b.slots.map((s) => s.name.replace(tagB, "")),
  );
  a.slots.forEach((s, i) => {
    const w = b.slots[i]?.values as Float32Array;
    expect(
      s.values.every((x, k) => Object.is(x, w[k])),
      s.name,
    ).toBe(true);
  });
}

const count = (names: string[], k: string) => names.filter((n) => n === k).length;

describe.each([false, true])("sgdMomentum (nesterov %s)", (nesterov) => {
  it("on graft-cpu: one MomentumUpdate per variable, tfjs's bits and state", async () => {
    await tf.setBackend("graft-cpu");
    const tag = `g${nesterov}`;
    const fused = await run(`${tag}f`, () => sgdMomentum(0.1, 0.9, nesterov), 2);
    const plain = await run(`${tag}p`, () => tf.train.momentum(0.1, 0.9, nesterov), 2);
    expectSameBits(fused, plain, `${tag}f`, `${tag}p`);
    // 4 variables x 3 steps, less the gradient left out of step 2.
    expect(count(fused.kernels, "MomentumUpdate")).toBe(11);
    expect(count(fused.kernels, "Multiply")).toBe(0);
    expect(count(plain.kernels, "MomentumUpdate")).toBe(0);
    expect(count(plain.kernels, "Multiply")).toBeGreaterThanOrEqual(22);
    expect(fused.className).toBe("Momentum");
  });

  it("on tfjs-cpu (no such kernel): tfjs's own update", async () => {
    await tf.setBackend("cpu");
    const tag = `c${nesterov}`;
    const fused = await run(`${tag}f`, () => sgdMomentum(0.1, 0.9, nesterov));
    const plain = await run(`${tag}p`, () => tf.train.momentum(0.1, 0.9, nesterov));
    expectSameBits(fused, plain, `${tag}f`, `${tag}p`);
    expect(count(fused.kernels, "MomentumUpdate")).toBe(0);
  });
});

describe("FusedMomentumOptimizer", () => {
  it("trains a tfjs-layers model as tf.train.momentum does, and its state restores into either", async () => {
    await tf.setBackend("graft-cpu");
    const tfl = await import("@tensorflow/tfjs-layers");
    const build = () => {
      const m = tfl.sequential({
        layers: [
          tfl.layers.dense({ inputShape: [6], units: 5, activation: "relu" }),
          tfl.layers.dense({ units: 3, activation: "softmax" }),
        ],
      });
      return m;
    };
    const a = build();
    const b = build();
    b.setWeights(a.getWeights());
    a.compile({ optimizer: sgdMomentum(0.05, 0.9), loss: "categoricalCrossentropy" });
    b.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: "categoricalCrossentropy" });
    const x = tf.tensor2d(values(48, 3), [8, 6]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const hb = await b.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expect(ha.history.loss).toEqual(hb.history.loss);
    // A fused optimizer's slots load into tfjs's, and the other way round.
    const restored = new FusedMomentumOptimizer(0.05, 0.9);
    await restored.setWeights(await (b.optimizer as tf.Optimizer).getWeights());
    expect((await restored.getWeights()).length).toBe(5);
    restored.dispose();
  });
});
