/**
 * graft-cpu against tfjs-backend-cpu: every native kernel over a sweep of
 * shapes and attributes, forward and gradients (through tf.grad), a small
 * VGG-shaped network trained on both from the same weights, leaks, fallbacks.
 * Tolerances are written beside each check: oneDNN reorders sums, so results
 * agree to float32 rounding, not bit for bit.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraftCpuBackend, graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { type ConvCase, data, inCI, onBoth, rand, relDiff, vggShaped } from "./helpers.ts";

const unavailable = graftCpuUnavailableReason();
if (unavailable && !inCI) console.warn(`[@graft/native] skipping graft-cpu tests: ${unavailable}`);
const describeNative = unavailable && !inCI ? describe.skip : describe;

beforeAll(async () => {
  tf.env().set("PROD", true);
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

async function expectClose(fn: () => tf.Tensor | tf.Tensor[], tol: number) {
  const [cpu, graft] = await onBoth("graft-cpu", fn);
  cpu.forEach((c, i) => {
    expect(relDiff(c, graft[i] as Float32Array)).toBeLessThanOrEqual(tol);
  });
}

function graftBackend(): GraftCpuBackend {
  return tf.findBackend("graft-cpu") as GraftCpuBackend;
}

describeNative("Conv2D / FusedConv2D / backprops", () => {
  const cases: ConvCase[] = [];
  for (const [n, h, w] of [
    [1, 5, 5],
    [2, 8, 6],
    [4, 7, 9],
  ] as const)
    for (const c of [1, 3, 64])
      for (const s of [1, 2])
        for (const pad of ["same", "valid"] as const)
          cases.push({ n, h, w, c, oc: c === 64 ? 8 : 4, k: 3, s, pad, d: 1 });
  cases.push({ n: 2, h: 9, w: 8, c: 3, oc: 5, k: 3, s: 1, pad: "same", d: 2 });
  cases.push({ n: 1, h: 10, w: 10, c: 4, oc: 2, k: 2, s: 1, pad: "valid", d: 2 });
  cases.push({ n: 3, h: 6, w: 6, c: 2, oc: 3, k: 1, s: 1, pad: "valid", d: 1 });

  // Tolerance 1e-4 of the output scale: sums of up to 576 float32 products in another order.
  it.each(cases)(
    "forward n=$n h=$h w=$w c=$c oc=$oc k=$k s=$s $pad d=$d",
    async ({ n, h, w, c, oc, k, s, pad, d }) => {
      const x = rand([n, h, w, c], 1);
      const f = rand([k, k, c, oc], 2);
      const b = rand([oc], 3);
      await expectClose(
        () => tf.conv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, s, pad, "NHWC", d),
        1e-4,
      );
      for (const activation of [
        "linear",
        "relu",
        "relu6",
        "elu",
        "sigmoid",
        "leakyrelu",
      ] as const) {
        await expectClose(
          () =>
            tf.fused.conv2d({
              x: x() as tf.Tensor4D,
              filter: f() as tf.Tensor4D,
              strides: s,
              pad,
              dilations: d,
              bias: b(),
              activation,
              leakyreluAlpha: 0.2,
            }),
          1e-4,
        );
      }
      await expectClose(
        () =>
          tf.fused.conv2d({
            x: x() as tf.Tensor4D,
            filter: f() as tf.Tensor4D,
            strides: s,
            pad,
            dilations: d,
          }),
        1e-4,
      );
    },
  );

  it.each(cases.filter((c) => c.d === 1))(
    "gradients n=$n h=$h w=$w c=$c oc=$oc s=$s $pad",
    async ({ n, h, w, c, oc, k, s, pad }) => {
      const x = rand([n, h, w, c], 4);
      const f = rand([k, k, c, oc], 5);
      const b = rand([oc], 6);
      // The training path: conv → add bias → relu, differentiated w.r.t. x, filter and bias.
      await expectClose(() => {
        const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(
            tf.square(tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, s, pad), bb))),
          ),
        );
        return g([x(), f(), b()]);
      }, 1e-4);
    },
  );

  it("counts every conv as native on graft-cpu", async () => {
    await tf.setBackend("graft-cpu");
    const before = graftBackend().stats.native.Conv2D ?? 0;
    tf.tidy(() =>
      tf.conv2d(
        tf.ones([1, 4, 4, 1]) as tf.Tensor4D,
        tf.ones([3, 3, 1, 1]) as tf.Tensor4D,
        1,
        "same",
      ),
    );
    expect(graftBackend().stats.native.Conv2D).toBe(before + 1);
  });
});

describeNative("pooling", () => {
  const cases: [number[], number, number, "same" | "valid"][] = [];
  for (const shape of [
    [1, 4, 4, 1],
    [2, 7, 5, 3],
    [3, 8, 8, 64],
  ])
    for (const [size, stride] of [
      [2, 2],
      [3, 2],
      [3, 1],
    ] as const)
      for (const pad of ["same", "valid"] as const) cases.push([shape, size, stride, pad]);

  // Max pooling is exact; average pooling sums ≤ 9 values: 1e-6.
  it.each(cases)(
    "max/avg %j size=%i stride=%i %s, forward and gradient",
    async (shape, size, stride, pad) => {
      const x = rand(shape, 7);
      await expectClose(() => tf.maxPool(x() as tf.Tensor4D, size, stride, pad), 0);
      await expectClose(() => tf.avgPool(x() as tf.Tensor4D, size, stride, pad), 1e-6);
      await expectClose(
        () =>
          tf.grad((xx: tf.Tensor) =>
            tf.sum(tf.square(tf.maxPool(xx as tf.Tensor4D, size, stride, pad))),
          )(x()),
        1e-6,
      );
      await expectClose(
        () =>
          tf.grad((xx: tf.Tensor) =>
            tf.sum(tf.square(tf.avgPool(xx as tf.Tensor4D, size, stride, pad))),
          )(x()),
        1e-6,
      );
    },
  );

  it("max pooling gradient follows tfjs on ties", async () => {
    await expectClose(
      () =>
        tf.grad((xx: tf.Tensor) => tf.sum(tf.maxPool(xx as tf.Tensor4D, 2, 2, "valid")))(
          tf.ones([2, 4, 4, 3]),
        ),
      0,
    );
  });
});

describeNative("matmul", () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[3, 5], [5, 4], false, false],
    [[5, 3], [5, 4], true, false],
    [[3, 5], [4, 5], false, true],
    [[5, 3], [4, 5], true, true],
    [[2, 3, 5], [2, 5, 4], false, false],
    [[2, 3, 5], [1, 5, 4], false, false],
    [[1, 3, 5], [4, 5, 4], false, false],
    [[4, 2, 3, 5], [5, 4], false, false],
    [[1, 64, 300], [1, 300, 17], false, false],
  ];
  // K ≤ 300 float32 products: 1e-5.
  it.each(cases)("%j × %j tA=%s tB=%s, plain, fused and gradients", async (sa, sb, ta, tb) => {
    const a = rand(sa, 8);
    const b = rand(sb, 9);
    await expectClose(() => tf.matMul(a(), b(), ta, tb), 1e-5);
    const n = tb ? (sb[sb.length - 2] as number) : (sb[sb.length - 1] as number);
    const bias = rand([n], 10);
    for (const activation of ["linear", "relu", "sigmoid", "elu", "relu6", "leakyrelu"] as const) {
      await expectClose(
        () =>
          tf.fused.matMul({
            a: a(),
            b: b(),
            transposeA: ta,
            transposeB: tb,
            bias: bias(),
            activation,
          }),
        1e-5,
      );
    }
    // tfjs' own BatchMatMul gradient rejects broadcast batches, so only equal batches are differentiated.
    if (sa.length === sb.length && sa[0] === sb[0]) {
      await expectClose(
        () =>
          tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y, ta, tb))))([
            a(),
            b(),
          ]),
        1e-5,
      );
    }
  });
});

describeNative("elementwise and reductions", () => {
  const pairs: [number[], number[]][] = [
    [
      [4, 5, 6, 7],
      [4, 5, 6, 7],
    ],
    [[4, 5, 6, 7], [7]],
    [[7], [4, 5, 6, 7]],
    [[4, 5, 6, 7], []],
    [[], [3, 2]],
    [
      [4, 1],
      [4, 3],
    ],
    [
      [2, 1, 3],
      [1, 4, 1],
    ],
    [
      [4, 8],
      [1, 8],
    ],
  ];
  it.each(pairs)("add/sub/mul/div %j with %j (exact: one float32 operation)", async (sa, sb) => {
    const a = rand(sa, 11);
    const b = () => tf.add(rand(sb, 12)(), 3); // away from zero for division
    for (const op of [tf.add, tf.sub, tf.mul, tf.div]) await expectClose(() => op(a(), b()), 0);
  });

  it("relu, step and their gradient are exact; softmax to 1e-6", async () => {
    const x = rand([3, 7, 9, 11], 13);
    await expectClose(() => tf.relu(x()), 0);
    await expectClose(() => tf.step(x(), 0.25), 0);
    await expectClose(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.relu(xx))))(x()), 0);
    await expectClose(() => tf.softmax(x()), 1e-6);
    await expectClose(() => tf.softmax(tf.mul(x(), 50)), 1e-6);
    await expectClose(
      () => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.softmax(xx))))(x()),
      1e-5,
    );
  });

  it("Relu's gradient is one native ReluGrad, bit for bit tfjs' dy * step(x), NaN and ±Inf included", async () => {
    const xs = [-2, -0, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3];
    const dys = [1, 2, Number.POSITIVE_INFINITY, -4, 5, Number.NaN, Number.POSITIVE_INFINITY, -0];
    const grad = () => tf.grad((x: tf.Tensor) => tf.relu(x))(tf.tensor1d(xs), tf.tensor1d(dys));
    const [cpu, graft] = await onBoth("graft-cpu", grad);
    expect(Array.from(graft[0] as Float32Array).map(String)).toEqual(
      Array.from(cpu[0] as Float32Array).map(String),
    );
    const before = graftBackend().stats.native.ReluGrad ?? 0;
    await tf.setBackend("graft-cpu");
    tf.tidy(grad);
    expect(graftBackend().stats.native.ReluGrad).toBe(before + 1);
  });

  it("sum over leading axes (bias gradients) to 1e-5; other sums fall back", async () => {
    const x = rand([4, 9, 9, 64], 14);
    await expectClose(() => tf.sum(x(), [0, 1, 2]), 1e-5);
    await expectClose(() => tf.sum(x(), [0, 1, 2], true), 1e-5);
    await expectClose(() => tf.sum(x(), 0), 1e-5);
    await expectClose(() => tf.sum(x(), [1, 2]), 1e-5);
    await expectClose(() => tf.sum(x()), 1e-5);
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
