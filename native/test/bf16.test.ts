/**
 * graft-cpu's bf16 mode (GRAFT_CPU_MATH=bf16, setCpuMath): convolutions and
 * matmuls read bf16 copies of their inputs and sum in fp32. Checked here:
 * - the conformance suite's convolutions and matmuls (test/conformance.ts), outputs
 *   and gradients, against tfjs-backend-cpu in fp32 within bf16's tolerance (below);
 *   and that bf16 really ran (cpuStats().bf16Runs, nonzero error);
 * - the switch works both ways, and fp32 comes back bit for bit;
 * - a CPU without native bf16 refuses it (ONEDNN_MAX_CPU_ISA=AVX512_CORE makes
 *   oneDNN dispatch as on one), and GRAFT_CPU_MATH is read when the backend is made;
 * - a small VGG-shaped network trains to the same accuracy in both modes.
 *
 * Tolerance: bf16 keeps 8 significant bits, so each input carries a relative
 * rounding error of up to 2^-9 ≈ 2e-3. A sum of K products of random-signed terms
 * then errs by about 2^-9 · sqrt(K) of its terms' size, while the sum itself grows
 * like sqrt(K) too: the normwise error max|y − y_fp32| / max|y_fp32| stays near
 * 1e-3..5e-3 whatever K (measured: 1.5e-3..4e-3). We allow 2e-2. A fused
 * activation that squashes (sigmoid, elu, relu6) keeps the sum's absolute error
 * while its output shrinks: measured up to 1.5e-2 there, on the widest layer
 * (14x14x128 → 32).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setSmallOpsNative } from "../ts/cpu/kernels/util.ts";
import {
  cpuMath,
  type GraftCpuBackend,
  graftCpuUnavailableReason,
  setCpuMath,
} from "../ts/graft_cpu.ts";
import { type CpuStats, capabilities, loadAddon } from "../ts/index.ts";
import { conformanceSuite } from "./conformance.ts";
import {
  data,
  GRAFT_CPU_NATIVE,
  inCI,
  rand,
  relErr,
  type Values,
  valuesOn,
  vggShaped,
} from "./helpers.ts";

const BF16_TOLERANCE = 2e-2;

const unavailable = graftCpuUnavailableReason();
if (unavailable && !inCI) console.warn(`[@graft/native] skipping bf16 tests: ${unavailable}`);
const describeNative = unavailable && !inCI ? describe.skip : describe;
const stats = (): CpuStats => loadAddon(process.env.GRAFT_ADDON_PATH || undefined).cpu.cpuStats();
const bf16Native = !unavailable && stats().bf16;
if (!unavailable && !bf16Native) {
  console.warn(
    `[@graft/native] this CPU has no native bf16 (${stats().bf16Reason}): skipping the bf16 ` +
      "accuracy tests; the refusal is still tested",
  );
}
const describeBf16 = bf16Native ? describe : describe.skip;

beforeAll(() => {
  tf.env().set("PROD", true);
});
afterEach(() => {
  if (!unavailable) setCpuMath("fp32");
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

function graftBackend(): GraftCpuBackend {
  return tf.findBackend("graft-cpu") as GraftCpuBackend;
}

describeNative("bf16 mode: reporting and switching", () => {
  it("cpuStats() says fp32 by default and whether this CPU has native bf16", () => {
    const s = stats();
    expect(s.math).toBe("fp32");
    expect(cpuMath()).toBe("fp32");
    const isa = capabilities().onednnIsa ?? "";
    expect(s.bf16).toBe(["avx512_core_bf16", "avx512_core_amx"].includes(isa));
    if (s.bf16) expect(s.bf16Reason).toBeNull();
    else expect(s.bf16Reason).toContain(isa);
    expect(s.amx).toBe(isa === "avx512_core_amx");
    console.log(
      `[bf16] oneDNN ISA ${isa}: ${s.bf16 ? `native bf16, ${s.amx ? "on AMX" : "no AMX"}` : `no native bf16 (${s.bf16Reason})`}`,
    );
  });

  it("setCpuMath checks its argument", () => {
    expect(() => setCpuMath("fp16" as never)).toThrow(
      'Expected "fp32" or "bf16" for math but received "fp16"',
    );
    expect(cpuMath()).toBe("fp32");
  });

  it.runIf(bf16Native)("switches both ways; fp32 comes back bit for bit", async () => {
    const x = rand([2, 12, 12, 16], 1);
    const f = rand([3, 3, 16, 24], 2);
    const b = rand([24], 3);
    const w = rand([24, 10], 4);
    const fn = () => {
      const h = tf.fused.conv2d({
        x: x() as tf.Tensor4D,
        filter: f() as tf.Tensor4D,
        strides: 1,
        pad: "same",
        bias: b(),
        activation: "relu",
      });
      return [h, tf.matMul(tf.reshape(h, [-1, 24]), w())];
    };
    const fp32 = await valuesOn("graft-cpu", fn);
    setCpuMath("bf16");
    expect(cpuMath()).toBe("bf16");
    expect(stats().math).toBe("bf16");
    const bf16 = await valuesOn("graft-cpu", fn);
    setCpuMath("fp32");
    expect(cpuMath()).toBe("fp32");
    const again = await valuesOn("graft-cpu", fn);
    for (let i = 0; i < fp32.length; i++) {
      expect(bf16[i]).not.toEqual(fp32[i]);
      expect(Buffer.from((again[i] as Float32Array).buffer)).toEqual(
        Buffer.from((fp32[i] as Float32Array).buffer),
      );
    }
  });

  it.runIf(bf16Native)(
    "cached bf16 weights (the weightsKey cache) give the bits a fresh conversion gives",
    async () => {
      setCpuMath("bf16");
      await tf.setBackend("graft-cpu");
      const x = tf.tensor(data(2 * 10 * 10 * 8, 5), [2, 10, 10, 8]) as tf.Tensor4D;
      const f = tf.tensor(data(3 * 3 * 8 * 16, 6), [3, 3, 8, 16]) as tf.Tensor4D;
      const a = tf.tensor(data(16 * 40, 7), [16, 40]);
      const m = tf.tensor(data(40 * 12, 8), [40, 12]);
      // 1st call: converted into a temporary; 2nd: into the cache; 3rd: read from it.
      const runs = [0, 1, 2].map(() =>
        tf.tidy(() => [tf.conv2d(x, f, 1, "same").dataSync(), tf.matMul(a, m).dataSync()]),
      );
      expect(stats().weightsCacheEntries).toBeGreaterThanOrEqual(2);
      for (const r of runs.slice(1)) {
        expect(Array.from(r[0] as Float32Array)).toEqual(Array.from(runs[0]?.[0] as Float32Array));
        expect(Array.from(r[1] as Float32Array)).toEqual(Array.from(runs[0]?.[1] as Float32Array));
      }
      tf.dispose([x, f, a, m]);
    },
  );
});

describeBf16("bf16 weights cache", () => {
  it("keeps a matmul's b from its second use in one layout, not when its gradient uses it transposed", () => {
    const { cpu } = loadAddon(process.env.GRAFT_ADDON_PATH || undefined);
    cpu.clearCaches();
    cpu.setMath("bf16");
    const [m, k, n] = [8, 64, 32];
    const a = Float32Array.from(data(m * k, 41));
    const w = Float32Array.from(data(k * n, 42));
    const dy = Float32Array.from(data(m * n, 43));
    const key = 123456;
    const y = new Float32Array(m * n);
    const dx = new Float32Array(m * k);
    // A training step: y = a @ w, then dx = dy @ wᵀ (w transposed: another layout).
    cpu.matmul(a, w, null, y, Int32Array.of(1, 1, m, k, n, 0, 0), 0, 0, key);
    cpu.matmul(dy, w, null, dx, Int32Array.of(1, 1, m, n, k, 0, 1), 0, 0, key);
    expect(cpu.cpuStats().weightsCacheEntries).toBe(0);
    // Inference: the same layout twice, then served from the cache.
    const inference = key + 1;
    cpu.matmul(a, w, null, y, Int32Array.of(1, 1, m, k, n, 0, 0), 0, 0, inference);
    expect(cpu.cpuStats().weightsCacheEntries).toBe(0);
    cpu.matmul(a, w, null, y, Int32Array.of(1, 1, m, k, n, 0, 0), 0, 0, inference);
    expect(cpu.cpuStats().weightsCacheEntries).toBe(1);
    expect(cpu.releaseWeights(inference)).toBe(true);
    cpu.setMath("fp32");
  });
});

// The conformance suite's convolutions and matmuls in bf16, against fp32 tfjs-cpu,
// normwise (relErr); each run must really be bf16 (bf16Runs grows, never an fp32
// fallback for lack of a bf16 kernel) and round somewhere.
conformanceSuite({
  name: "graft-cpu bf16",
  backend: "graft-cpu",
  skip: bf16Native ? null : (unavailable ?? `no native bf16 (${stats().bf16Reason})`),
  groups: ["conv", "matmul"],
  tolerances: {
    conv: BF16_TOLERANCE,
    matmul: BF16_TOLERANCE,
    // Not run in bf16 (groups): the fp32 suite in graft-cpu.test.ts checks them.
    pool: 0,
    sum: 0,
    math: 0,
    softmax: 0,
    softmaxGrad: 0,
  },
  error: relErr,
  inexact: true,
  around: async (onBackend) => {
    setCpuMath("bf16");
    const was = setSmallOpsNative(true); // the suite's shapes are small; it tests the kernels
    const before = stats();
    let out: Values[];
    try {
      out = await onBackend();
    } finally {
      setCpuMath("fp32");
      setSmallOpsNative(was);
    }
    const after = stats();
    expect(after.bf16Runs).toBeGreaterThan(before.bf16Runs);
    expect(after.bf16FallbackRuns).toBe(before.bf16FallbackRuns);
    return out;
  },
  kernels: { stats: () => graftBackend().stats, native: GRAFT_CPU_NATIVE },
});

/**
 * A separable task: 16x16 noise images, class k brighter in quadrant k. The
 * last quarter of the samples is held out for validation.
 */
function separable(count: number): { xs: Float32Array; labels: number[] } {
  const noise = data(count * 16 * 16 * 3, 31);
  const xs = new Float32Array(count * 16 * 16 * 3);
  const labels = Array.from({ length: count }, (_, i) => (i * 7) % 4);
  for (let i = 0; i < count; i++) {
    const k = labels[i] as number;
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++)
        for (let ch = 0; ch < 3; ch++) {
          const j = ((i * 16 + y) * 16 + x) * 3 + ch;
          const inQuadrant = (y < 8 ? 0 : 2) + (x < 8 ? 0 : 1) === k;
          xs[j] = 0.5 * (noise[j] as number) + (inQuadrant ? 1 : 0);
        }
  }
  return { xs, labels };
}

describeBf16("a VGG-shaped network trains alike in fp32 and bf16", () => {
  it("6 epochs from the same weights: both reach the same validation accuracy", async () => {
    const count = 128;
    const { xs, labels } = separable(count);
    const runIn = async (math: "fp32" | "bf16") => {
      await tf.setBackend("graft-cpu");
      setCpuMath(math);
      const before = stats().bf16Runs;
      const model = vggShaped();
      model.compile({
        optimizer: tf.train.momentum(3e-3, 0.9),
        loss: "categoricalCrossentropy",
        metrics: ["accuracy"],
      });
      const x = tf.tensor4d(xs, [count, 16, 16, 3]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
      const h = await model.fit(x, y, {
        epochs: 6,
        batchSize: 8,
        shuffle: false,
        validationSplit: 0.25,
      });
      const ran = stats().bf16Runs - before;
      setCpuMath("fp32");
      tf.dispose([x, y]);
      model.optimizer.dispose();
      model.dispose();
      const last = (k: string) => (h.history[k]?.at(-1) ?? Number.NaN) as number;
      return {
        loss: last("loss"),
        acc: last("acc"),
        valLoss: last("val_loss"),
        valAcc: last("val_acc"),
        valLosses: (h.history.val_loss as number[]).map((v) => v.toFixed(3)).join(" "),
        ran,
      };
    };
    const fp32 = await runIn("fp32");
    const bf16 = await runIn("bf16");
    const fmt = (r: typeof fp32) =>
      `loss ${r.loss.toExponential(2)} acc ${r.acc.toFixed(3)} val_loss ${r.valLoss.toFixed(4)} val_acc ${r.valAcc.toFixed(3)} (val_loss by epoch: ${r.valLosses})`;
    console.log(`[bf16] VGG-shaped, 6 epochs:\n  fp32: ${fmt(fp32)}\n  bf16: ${fmt(bf16)}`);
    expect(fp32.ran).toBe(0);
    expect(bf16.ran).toBeGreaterThan(0);
    expect(fp32.valAcc).toBeGreaterThanOrEqual(0.9);
    expect(bf16.valAcc).toBeGreaterThanOrEqual(fp32.valAcc - 0.05);
    expect(Math.abs(bf16.valLoss - fp32.valLoss)).toBeLessThanOrEqual(0.1 * fp32.valLoss + 0.02);
    expect(tf.memory().numTensors).toBeLessThan(100);
  }, 120_000);
});

describe("GRAFT_CPU_MATH and the refusal path (child processes)", () => {
  const nativeDir = fileURLToPath(new URL("..", import.meta.url));
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import { cpuMath, setCpuMath } from "./ts/graft_cpu.ts";
    import { loadAddon } from "./ts/index.ts";
    await tf.ready();
    console.log("BACKEND=" + tf.getBackend());
    if (tf.getBackend() === "graft-cpu") {
      console.log("MATH=" + cpuMath());
      console.log("BF16=" + loadAddon().cpu.cpuStats().bf16);
      try {
        setCpuMath("bf16");
        console.log("SET=ok MATH=" + cpuMath());
      } catch (e) {
        console.log("SET=" + e.code + " " + e.message + " MATH=" + cpuMath());
      }
    }
  `;
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: nativeDir,
      encoding: "utf8",
      env: { ...process.env, GRAFT_CPU_MATH: undefined, ...env },
    });
  const native = unavailable === null || inCI;

  it.runIf(native)(
    "a CPU without native bf16 (ONEDNN_MAX_CPU_ISA=AVX512_CORE) refuses it: GRAFT_CPU_MATH warns and stays fp32, setCpuMath throws",
    () => {
      const r = run({ ONEDNN_MAX_CPU_ISA: "AVX512_CORE", GRAFT_CPU_MATH: "bf16" });
      const out = r.stdout + r.stderr;
      expect(r.stdout).toContain("BACKEND=graft-cpu");
      expect(r.stdout).toContain("MATH=fp32");
      expect(r.stdout).toContain("BF16=false");
      expect(out).toContain(
        "graft-cpu: GRAFT_CPU_MATH=bf16 ignored, running fp32: oneDNN dispatches to avx512_core",
      );
      expect(r.stdout).toContain(
        "SET=ERR_GRAFT_UNAVAILABLE bf16 math is unavailable: oneDNN dispatches to avx512_core on this CPU, which has no bf16 arithmetic",
      );
      expect(r.stdout).toMatch(/SET=ERR_GRAFT_UNAVAILABLE .* MATH=fp32/);
    },
  );

  it.runIf(native && bf16Native)(
    "GRAFT_CPU_MATH=bf16 switches it on when the backend is created",
    () => {
      const r = run({ GRAFT_CPU_MATH: "bf16" });
      expect(r.stdout).toContain("BACKEND=graft-cpu");
      expect(r.stdout).toContain("MATH=bf16");
    },
  );

  it.runIf(native)("GRAFT_CPU_MATH must be fp32 or bf16", () => {
    const r = run({ GRAFT_CPU_MATH: "fp16" });
    expect(r.stdout).toContain("BACKEND=cpu");
    expect(r.stdout + r.stderr).toContain(
      'Expected "fp32" or "bf16" for GRAFT_CPU_MATH but received "fp16"',
    );
  });
});

describeNative("fp32 stays the default", () => {
  it("graft-cpu made without GRAFT_CPU_MATH runs fp32 and counts no bf16 runs", async () => {
    await tf.setBackend("graft-cpu");
    const before = stats();
    tf.tidy(() =>
      tf
        .conv2d(
          tf.ones([1, 4, 4, 2]) as tf.Tensor4D,
          tf.ones([3, 3, 2, 2]) as tf.Tensor4D,
          1,
          "same",
        )
        .dataSync(),
    );
    const after = stats();
    expect(after.math).toBe("fp32");
    expect(after.bf16Runs).toBe(before.bf16Runs);
    expect(graftBackend().stats.native.Conv2D).toBeGreaterThan(0);
  });
});
