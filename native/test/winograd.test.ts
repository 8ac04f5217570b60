/**
 * graft-cpu's Winograd convolutions (GRAFT_CPU_CONV, setCpuConvAlgorithm):
 * - forced on ("winograd"), every shape oneDNN has a Winograd kernel for runs on
 *   one (cpuStats().winogradRuns counts them) and agrees with tfjs-backend-cpu,
 *   forward (plain and fused) and gradients, within the direct path's own
 *   tolerance;
 * - shapes without a Winograd kernel (stride 2, dilation, 5x5, 3 channels) run
 *   direct and agree too;
 * - "auto" picks Winograd only where it pays (>= 64 channels in and out, >= 512
 *   output pixels) and "direct" never; bf16 mode takes precedence;
 * - the small VGG-shaped network trains on Winograd as on tfjs-cpu;
 * - GRAFT_CPU_CONV is read when the backend is created, and checked.
 *
 * Tolerance: F(4x4, 3x3) transforms the input tiles and filters with small
 * rational constants before multiplying and transforms back, so each output
 * carries a few more roundings than a direct sum: measured normwise errors
 * against direct are 1e-6..4e-6 (VGG layers, 64..512 channels). The checks
 * below allow 1e-4 of the output scale, as for the direct kernels.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  cpuConvAlgorithm,
  graftCpuUnavailableReason,
  setCpuConvAlgorithm,
  setCpuMath,
} from "../ts/graft_cpu.ts";
import { type CpuStats, loadAddon } from "../ts/index.ts";
import { type ConvCase as Case, data, inCI, onBoth, rand, relDiff, vggShaped } from "./helpers.ts";

const TOLERANCE = 1e-4;

const unavailable = graftCpuUnavailableReason();
if (unavailable && !inCI) console.warn(`[@graft/native] skipping Winograd tests: ${unavailable}`);
const describeNative = unavailable && !inCI ? describe.skip : describe;
const stats = (): CpuStats => loadAddon(process.env.GRAFT_ADDON_PATH || undefined).cpu.cpuStats();

beforeAll(() => {
  tf.env().set("PROD", true);
});
afterEach(() => {
  if (!unavailable) {
    setCpuConvAlgorithm("auto");
    setCpuMath("fp32");
  }
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

/** Conv, fused conv (+ bias, relu) and, undilated, the training path's gradients. */
function convs(c: Case, seed: number): (() => tf.Tensor | tf.Tensor[])[] {
  const x = rand([c.n, c.h, c.w, c.c], seed);
  const f = rand([c.k, c.k, c.c, c.oc], seed + 1);
  const b = rand([c.oc], seed + 2);
  const fns: (() => tf.Tensor | tf.Tensor[])[] = [
    () => tf.conv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, c.s, c.pad, "NHWC", c.d),
    () =>
      tf.fused.conv2d({
        x: x() as tf.Tensor4D,
        filter: f() as tf.Tensor4D,
        strides: c.s,
        pad: c.pad,
        dilations: c.d,
        bias: b(),
        activation: "relu",
      }),
  ];
  // conv → add bias → relu, differentiated w.r.t. x, filter and bias (tfjs has no
  // gradient for dilated convolutions).
  if (c.d === 1) {
    fns.push(() =>
      tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.s, c.pad), bb)),
          ),
        ),
      )([x(), f(), b()]),
    );
  }
  return fns;
}

/** convs(c) on cpu and graft-cpu, which must agree; returns the Winograd runs on graft. */
async function compare(c: Case, seed: number): Promise<number> {
  const before = stats().winogradRuns;
  for (const fn of convs(c, seed)) {
    const [cpu, graft] = await onBoth("graft-cpu", fn);
    cpu.forEach((v, i) => {
      expect(relDiff(v, graft[i] as Float32Array)).toBeLessThanOrEqual(TOLERANCE);
    });
  }
  return stats().winogradRuns - before;
}

/** convs(c) on graft-cpu only; returns the Winograd runs. */
async function winogradRuns(c: Case, seed: number): Promise<number> {
  const before = stats().winogradRuns;
  await tf.setBackend("graft-cpu");
  for (const fn of convs(c, seed)) tf.dispose(tf.tidy(fn));
  return stats().winogradRuns - before;
}

describeNative("forced Winograd (setCpuConvAlgorithm('winograd'))", () => {
  const cases: Case[] = [];
  for (const [n, h, w] of [
    [1, 5, 5],
    [2, 8, 6],
    [3, 7, 9],
    [1, 13, 11],
  ] as const)
    for (const [c, oc] of [
      [16, 16],
      [64, 32],
    ] as const)
      for (const pad of ["same", "valid"] as const)
        cases.push({ n, h, w, c, oc, k: 3, s: 1, pad, d: 1 });

  // Each case runs 4 convolutions on graft: forward, fused forward, and, for the
  // gradients, backprop input and backprop filter (the forward of tf.grads' f makes 5).
  it.each(cases)(
    "n=$n h=$h w=$w c=$c oc=$oc $pad: forward, fused and gradients on Winograd",
    async (c) => {
      setCpuConvAlgorithm("winograd");
      expect(cpuConvAlgorithm()).toBe("winograd");
      expect(await compare(c, 11)).toBe(5);
    },
  );

  const direct: Case[] = [
    { n: 2, h: 9, w: 9, c: 16, oc: 16, k: 3, s: 2, pad: "same", d: 1 },
    { n: 1, h: 11, w: 10, c: 16, oc: 16, k: 3, s: 1, pad: "same", d: 2 },
    { n: 2, h: 8, w: 8, c: 16, oc: 16, k: 5, s: 1, pad: "same", d: 1 },
    { n: 2, h: 8, w: 8, c: 3, oc: 16, k: 3, s: 1, pad: "same", d: 1 },
    { n: 2, h: 8, w: 8, c: 16, oc: 8, k: 3, s: 1, pad: "valid", d: 1 },
  ];
  it.each(direct)(
    "n=$n h=$h w=$w c=$c oc=$oc k=$k s=$s d=$d: no Winograd kernel, runs direct",
    async (c) => {
      setCpuConvAlgorithm("winograd");
      expect(await compare(c, 21)).toBe(0);
    },
  );
});

describeNative("'auto' picks Winograd where it pays, 'direct' never", () => {
  const vggLike: Case = { n: 1, h: 28, w: 28, c: 64, oc: 64, k: 3, s: 1, pad: "same", d: 1 };
  it("auto: a 1x28x28x64 -> 64 layer (784 output pixels) runs Winograd", async () => {
    expect(cpuConvAlgorithm()).toBe("auto");
    expect(await winogradRuns(vggLike, 31)).toBe(5);
  });

  it("auto: fewer than 512 output pixels, or fewer than 64 channels, run direct", async () => {
    expect(await winogradRuns({ ...vggLike, h: 14, w: 14 }, 32)).toBe(0);
    expect(await winogradRuns({ ...vggLike, c: 32 }, 33)).toBe(0);
    expect(await winogradRuns({ ...vggLike, oc: 48 }, 34)).toBe(0);
  });

  it("direct: never Winograd", async () => {
    setCpuConvAlgorithm("direct");
    expect(await winogradRuns(vggLike, 35)).toBe(0);
  });

  it("bf16 mode runs its own kernels, not Winograd", async () => {
    if (!stats().bf16) return; // no native bf16 here: bf16.test.ts tests the refusal
    setCpuMath("bf16");
    const before = stats();
    await tf.setBackend("graft-cpu");
    tf.tidy(() =>
      tf.conv2d(
        tf.ones([1, 28, 28, 64]) as tf.Tensor4D,
        tf.ones([3, 3, 64, 64]) as tf.Tensor4D,
        1,
        "same",
      ),
    );
    expect(stats().winogradRuns).toBe(before.winogradRuns);
    expect(stats().bf16Runs).toBe(before.bf16Runs + 1);
  });

  it("rejects an unknown algorithm with the choices", () => {
    expect(() => setCpuConvAlgorithm("fast" as never)).toThrow(
      'Expected "auto", "direct", "winograd" for the convolution algorithm but received "fast"',
    );
    expect(cpuConvAlgorithm()).toBe("auto");
  });
});

describeNative("a VGG-shaped network trains the same on Winograd and on cpu", () => {
  it("3 epochs from the same weights (16-32 channels): losses within 1e-4 (relative)", async () => {
    const xs = data(24 * 16 * 16 * 3, 41).map((v) => (v + 1) * 127.5);
    const labels = Array.from({ length: 24 }, (_, i) => i % 4);
    const runOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = vggShaped([16, 16, 32]);
      model.compile({
        optimizer: tf.train.momentum(1e-3, 0.9),
        loss: "categoricalCrossentropy",
      });
      const x = tf.div(tf.tensor4d(xs, [24, 16, 16, 3]), 255);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
      const h = await model.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        shuffle: false,
        validationSplit: 0.25,
      });
      tf.dispose([x, y]);
      model.optimizer.dispose();
      model.dispose();
      return [...(h.history.loss as number[]), ...(h.history.val_loss as number[])];
    };
    const cpu = await runOn("cpu");
    setCpuConvAlgorithm("winograd");
    const before = stats().winogradRuns;
    const graft = await runOn("graft-cpu");
    // block1_conv2 (16 -> 16) and block2_conv1 (16 -> 32), forward and backward, every batch.
    expect(stats().winogradRuns - before).toBeGreaterThan(3 * 2 * 4);
    graft.forEach((l, i) => {
      expect(Math.abs(l - (cpu[i] as number)) / Math.abs(cpu[i] as number)).toBeLessThanOrEqual(
        1e-4,
      );
    });
  }, 300_000);
});

describe("GRAFT_CPU_CONV", () => {
  const nativeDir = fileURLToPath(new URL("..", import.meta.url));
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import { cpuConvAlgorithm } from "./ts/graft_cpu.ts";
    await tf.ready();
    console.log("BACKEND=" + tf.getBackend() + " CONV=" + cpuConvAlgorithm());
  `;
  const run = (value: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: nativeDir,
      encoding: "utf8",
      env: { ...process.env, GRAFT_CPU_CONV: value },
    });

  it.skipIf(unavailable !== null && !inCI)("sets the algorithm when the backend is created", () => {
    expect(run("direct").stdout).toContain("BACKEND=graft-cpu CONV=direct");
    expect(run("winograd").stdout).toContain("BACKEND=graft-cpu CONV=winograd");
  });

  it.skipIf(unavailable !== null && !inCI)("an unknown value fails the factory, naming it", () => {
    const r = run("fastest");
    expect(r.stdout).toContain("BACKEND=cpu");
    expect(r.stdout + r.stderr).toContain(
      'Expected "auto", "direct", "winograd" for GRAFT_CPU_CONV but received "fastest"',
    );
  });
});
