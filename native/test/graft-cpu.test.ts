/**
 * graft-cpu (fp32): the conformance suite against tfjs-backend-cpu (test/conformance.ts,
 * every native kernel over a sweep of shapes and attributes, forward and gradients,
 * each call counted native) with graft-cpu's tolerances beside the call; what falls
 * back, counted; a small VGG-shaped network trained on both from the same weights,
 * leaks; backend selection in child processes.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NATIVE_MIN_CONV_MACS, SMALL_CONV_REASON } from "../ts/cpu/kernels/conv_util.ts";
import { NATIVE_MIN_MATMUL_MACS, SMALL_MATMUL_REASON } from "../ts/cpu/kernels/matmul_util.ts";
import { NATIVE_MIN_ELEMENTS, setSmallOpsNative, smallReason } from "../ts/cpu/kernels/util.ts";
import { type GraftCpuBackend, graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { conformanceSuite } from "./conformance.ts";
import { data, GRAFT_CPU_NATIVE, inCI, vggShaped } from "./helpers.ts";

const unavailable = graftCpuUnavailableReason();
if (unavailable && !inCI) console.warn(`[@graft/native] skipping graft-cpu tests: ${unavailable}`);
const describeNative = unavailable && !inCI ? describe.skip : describe;

beforeAll(async () => {
  tf.env().set("PROD", true);
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

function graftBackend(): GraftCpuBackend {
  return tf.findBackend("graft-cpu") as GraftCpuBackend;
}

// oneDNN reorders sums, so results agree to float32 rounding, not bit for bit.
conformanceSuite({
  name: "graft-cpu",
  backend: "graft-cpu",
  skip: unavailable && !inCI ? unavailable : null,
  tolerances: {
    conv: 1e-4, // sums of up to 1152 float32 products in another order
    matmul: 1e-5, // K ≤ 512 float32 products
    pool: 1e-6, // average pooling sums ≤ 9 values
    sum: 1e-5, // sums of up to 324 values in another order
    math: 0, // tfjs-cpu's own kernels (fallbacks)
    softmax: 1e-6,
    softmaxGrad: 1e-5,
  },
  exactTies: true,
  // The suite's shapes are small; its point is the native kernels, so tiny calls run natively
  // here (by default they run tfjs-cpu's JavaScript, tested below).
  around: async (onBackend) => {
    const was = setSmallOpsNative(true);
    try {
      return await onBackend();
    } finally {
      setSmallOpsNative(was);
    }
  },
  kernels: { stats: () => graftBackend().stats, native: GRAFT_CPU_NATIVE },
});

describeNative("the reordered-filter cache through the backend", () => {
  it("a filter used twice is kept; disposing its tensor releases it (and no other disposal calls the addon)", async () => {
    await tf.setBackend("graft-cpu");
    const cpu = graftBackend().native;
    cpu.clearCaches();
    const x = tf.randomNormal([1, 8, 8, 16], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 16], 0, 1, "float32", 2) as tf.Tensor4D;
    tf.tidy(() => {
      tf.conv2d(x, w, 1, "same");
      tf.conv2d(x, w, 1, "same");
    });
    expect(cpu.cpuStats().weightsCacheEntries).toBe(1);
    x.dispose(); // an input that was never a weightsKey
    tf.ones([4]).dispose();
    expect(cpu.cpuStats().weightsCacheEntries).toBe(1);
    w.dispose();
    expect(cpu.cpuStats().weightsCacheEntries).toBe(0);
  });
});

describeNative("attributes graft-cpu does not handle fall back to tfjs-cpu, counted", () => {
  it("int32 relu, prelu, NCHW-free paths and general broadcasting", async () => {
    await tf.setBackend("graft-cpu");
    const stats = graftBackend().stats;
    const before = (k: string) => stats.fallback[k]?.count ?? 0;
    const relu0 = before("Relu");
    const add0 = before("Add");
    const sum0 = before("Sum");
    const fused0 = before("FusedConv2D");
    tf.tidy(() => {
      expect(Array.from(tf.relu(tf.tensor1d([-2, 3], "int32")).dataSync())).toEqual([0, 3]);
      tf.add(tf.ones([2, 1, 3]), tf.ones([1, 4, 1])).dataSync();
      tf.sum(tf.ones([2, 3]), 1).dataSync();
      tf.fused
        .conv2d({
          x: tf.ones([1, 3, 3, 1]) as tf.Tensor4D,
          filter: tf.ones([1, 1, 1, 2]) as tf.Tensor4D,
          strides: 1,
          pad: "valid",
          activation: "prelu",
          preluActivationWeights: tf.ones([2]),
        })
        .dataSync();
    });
    expect(before("Relu")).toBe(relu0 + 1);
    expect(stats.fallback.Relu?.reasons.dtype).toBeGreaterThan(0);
    expect(before("Add")).toBe(add0 + 1);
    expect(before("Sum")).toBe(sum0 + 1);
    expect(before("FusedConv2D")).toBe(fused0 + 1);
  });
});

describeNative("per-image broadcasts run natively", () => {
  it("[N, …] with one value or one row per image: Add, Sub, Multiply and RealDiv, either side, no fallback", async () => {
    await tf.setBackend("graft-cpu");
    const stats = graftBackend().stats;
    const kernels = ["Add", "Sub", "Multiply", "RealDiv"];
    const counts = () =>
      kernels.map((k) => [stats.native[k] ?? 0, stats.fallback[k]?.count ?? 0] as [number, number]);
    const before = counts();
    tf.tidy(() => {
      const full = tf.ones([4, 5, 6, 7]);
      for (const part of [tf.fill([4, 1, 1, 1], 2), tf.fill([4, 1, 1, 7], 2)]) {
        for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
          op(full, part).dataSync();
          op(part, full).dataSync();
        }
      }
    });
    const after = counts();
    kernels.forEach((k, i) => {
      const [nativeBefore, fallbacksBefore] = before[i] as [number, number];
      const [nativeAfter, fallbacksAfter] = after[i] as [number, number];
      expect(nativeAfter, `${k} native`).toBe(nativeBefore + 4);
      expect(fallbacksAfter, `${k} fallbacks`).toBe(fallbacksBefore);
    });
  });
});

describeNative("tiny elementwise calls run tfjs-cpu's JavaScript", () => {
  it("below NATIVE_MIN_ELEMENTS Add and Relu fall back as 'small'; from it they are native; the bits agree", async () => {
    const run = async (backend: string, n: number) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor1d(Array.from(data(n, 5)));
        return Array.from(tf.relu(tf.add(x, tf.mul(x, tf.scalar(0.37)))).dataSync());
      });
    };
    const stats = () => graftBackend().stats;
    for (const [n, native] of [
      [NATIVE_MIN_ELEMENTS - 1, false],
      [NATIVE_MIN_ELEMENTS, true],
    ] as const) {
      const expected = await run("cpu", n);
      await tf.setBackend("graft-cpu");
      const nativeAdd = stats().native.Add ?? 0;
      const small = stats().fallback.Relu?.reasons[smallReason(1) ?? ""] ?? 0;
      expect(await run("graft-cpu", n)).toEqual(expected);
      expect((stats().native.Add ?? 0) - nativeAdd).toBe(native ? 1 : 0);
      expect((stats().fallback.Relu?.reasons[smallReason(1) ?? ""] ?? 0) - small).toBe(
        native ? 0 : 1,
      );
    }
  });
});

/**
 * Runs `run` on tfjs-cpu and on graft-cpu and checks each of `kernels` ran once natively
 * (`native`) or once as a fallback counted under `reason`; the answers must be the same bits
 * where graft-cpu ran tfjs-cpu's JavaScript, within `tolerance` where it ran oneDNN.
 */
async function expectSmallFallback(
  run: (backend: string) => Promise<number[][]>,
  kernels: string[],
  reason: string,
  native: boolean,
  tolerance: number,
): Promise<void> {
  const expected = await run("cpu");
  await tf.setBackend("graft-cpu");
  const s = () => graftBackend().stats;
  const small = (k: string) => s().fallback[k]?.reasons[reason] ?? 0;
  const before = kernels.map((k) => [s().native[k] ?? 0, small(k)]);
  const got = await run("graft-cpu");
  kernels.forEach((k, i) => {
    const [n0, f0] = before[i] as [number, number];
    expect((s().native[k] ?? 0) - n0, `${k} native`).toBe(native ? 1 : 0);
    expect(small(k) - f0, `${k} small`).toBe(native ? 0 : 1);
  });
  got.forEach((values, i) => {
    const want = expected[i] as number[];
    if (!native) expect(values).toEqual(want);
    else
      for (const [j, v] of values.entries())
        expect(Math.abs(v - (want[j] as number))).toBeLessThan(tolerance);
  });
}

describeNative("tiny convolutions run tfjs-cpu's JavaScript", () => {
  // 3x3 'same' convolutions of 1x8x8xC by C->4: 8*8*9*C*4 multiply-adds, 2304 at C=1 and
  // 9216 at C=4, either side of NATIVE_MIN_CONV_MACS.
  it.each([
    [1, false],
    [4, true],
  ])("C=%i: forward and both backprops native=%s, and the answers agree", async (c, native) => {
    expect(8 * 8 * 9 * c * 4 < NATIVE_MIN_CONV_MACS).toBe(!native);
    const kernels = ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "FusedConv2D"];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(Array.from(data(64 * c, 3)), [1, 8, 8, c]);
        const w = tf.tensor4d(Array.from(data(36 * c, 4)), [3, 3, c, 4]);
        const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
        const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
          tf.sum(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, "same")),
        )([x, w]);
        const fused = tf.fused.conv2d({
          x,
          filter: w,
          strides: 1,
          pad: "same",
          bias: b,
          activation: "relu",
        });
        return [dx, dw, fused].map((t) => Array.from((t as tf.Tensor).dataSync()));
      });
    };
    await expectSmallFallback(run, kernels, SMALL_CONV_REASON, native, 1e-4);
  });
});

describeNative("tiny matmuls run tfjs-cpu's JavaScript", () => {
  // [M,16] x [16,16]: 256·M multiply-adds, 3840 at M=15 and 4096 at M=16.
  it.each([
    [15, false],
    [16, true],
  ])("M=%i: BatchMatMul and _FusedMatMul native=%s, and the answers agree", async (m, native) => {
    expect(m * 16 * 16 < NATIVE_MIN_MATMUL_MACS).toBe(!native);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const a = tf.tensor2d(Array.from(data(m * 16, 5)), [m, 16]);
        const b = tf.tensor2d(Array.from(data(256, 6)), [16, 16]);
        const bias = tf.tensor1d(Array.from(data(16, 7)));
        return [tf.matMul(a, b), tf.fused.matMul({ a, b, bias, activation: "relu" })].map((t) =>
          Array.from(t.dataSync()),
        );
      });
    };
    const kernels = ["BatchMatMul", "_FusedMatMul"];
    await expectSmallFallback(run, kernels, SMALL_MATMUL_REASON, native, 1e-5);
  });
});

describeNative("Reverse (a strided copy in TypeScript)", () => {
  it.each([
    [[5], [0], "float32"],
    [[2, 3, 4], [2], "float32"],
    [[2, 3, 4], [0, 2], "int32"],
    [[3, 1, 4, 2], [1, 3], "float32"],
    [[2, 5, 3], [0, 1], "bool"],
    [[4, 6], [0, 1], "float32"],
    [[2, 0, 3], [1], "float32"],
    [[8, 32, 32, 3], [-1], "float32"], // caffe's RGB -> BGR on a batch
  ] as const)("%j along %j (%s): tfjs-cpu's values, run natively", async (shape, dims, dtype) => {
    const make = () => {
      const n = (shape as readonly number[]).reduce((a, b) => a * b, 1);
      const v = Array.from(data(n, 9), (x) => (dtype === "float32" ? x : Math.round(x * 5)));
      return tf.reverse(tf.tensor(v, [...shape], dtype), [...dims]);
    };
    await tf.setBackend("cpu");
    const expected = Array.from(tf.tidy(make).dataSync());
    await tf.setBackend("graft-cpu");
    const before = graftBackend().stats.native.Reverse ?? 0;
    const got = tf.tidy(make);
    expect(Array.from(got.dataSync())).toEqual(expected);
    expect(got.dtype).toBe(dtype);
    got.dispose();
    expect((graftBackend().stats.native.Reverse ?? 0) - before).toBe(1);
  });
});

describeNative("a VGG-shaped network trains the same on graft-cpu and cpu", () => {
  it("3 epochs from the same weights: losses within 1e-4 (relative); no leaks", async () => {
    const xs = data(24 * 16 * 16 * 3, 21).map((v) => (v + 1) * 127.5);
    const labels = Array.from({ length: 24 }, (_, i) => i % 4);
    const runOn = async (backend: string) => {
      await tf.setBackend(backend);
      const model = vggShaped();
      model.layers[0]!.trainable = false; // as the recipe freezes the first layers
      model.compile({
        optimizer: tf.train.momentum(1e-3, 0.9),
        loss: "categoricalCrossentropy",
        metrics: ["accuracy"],
      });
      const x = tf.div(tf.tensor4d(xs, [24, 16, 16, 3]), 255);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
      const losses: number[] = [];
      const tensors: number[] = [];
      const nativeBytes: number[] = [];
      await model.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        shuffle: false,
        validationSplit: 0.25,
        callbacks: {
          onEpochEnd: async (_e, logs) => {
            losses.push(logs?.loss as number, logs?.val_loss as number);
            tensors.push(tf.memory().numTensors);
            const mem = tf.memory() as { nativeBytes?: number };
            nativeBytes.push(mem.nativeBytes ?? 0);
          },
        },
      });
      tf.dispose([x, y]);
      model.optimizer.dispose();
      model.dispose();
      return { losses, tensors, nativeBytes };
    };
    const cpu = await runOn("cpu");
    const graft = await runOn("graft-cpu");
    graft.losses.forEach((l, i) => {
      expect(
        Math.abs(l - (cpu.losses[i] as number)) / Math.abs(cpu.losses[i] as number),
      ).toBeLessThanOrEqual(1e-4);
    });
    // The optimizer's slots appear in epoch 1; from then on the count stays flat.
    expect(graft.tensors[2]).toBe(graft.tensors[1]);
    expect(cpu.tensors[2]).toBe(cpu.tensors[1]);
    expect(graft.nativeBytes[2]).toBe(graft.nativeBytes[1]);
  }, 300_000);
});

describe("backend selection", () => {
  const nativeDir = fileURLToPath(new URL("..", import.meta.url));
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import "./ts/graft_cpu.ts";
    await tf.ready();
    console.log("BACKEND=" + tf.getBackend());
  `;
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: nativeDir,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });

  it("without graft.node the factory fails with the reason and tfjs falls back to cpu", () => {
    const r = run({ GRAFT_ADDON_PATH: "/nonexistent/graft.node" });
    expect(r.stdout).toContain("BACKEND=cpu");
    expect(r.stdout + r.stderr).toContain(
      "graft-cpu is unavailable: graft.node not found at /nonexistent/graft.node",
    );
  });

  it.skipIf(unavailable !== null && !inCI)(
    "with graft.node graft-cpu is the default backend",
    () => {
      expect(run({}).stdout).toContain("BACKEND=graft-cpu");
    },
  );

  it.skipIf(unavailable !== null && !inCI)("GRAFT_NUM_THREADS must be a positive integer", () => {
    const r = run({ GRAFT_NUM_THREADS: "zero" });
    expect(r.stdout).toContain("BACKEND=cpu");
    expect(r.stdout + r.stderr).toContain(
      "Expected a positive integer for GRAFT_NUM_THREADS but received 'zero'",
    );
  });
});
