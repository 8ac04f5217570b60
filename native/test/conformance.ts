/**
 * The conformance suite every graft backend runs: its outputs and gradients
 * against tfjs-backend-cpu on the same data, over convolutions (plain, fused with
 * bias and each activation, both backprops, strides, dilation, same/valid),
 * pooling (max exact, avg, both gradients, ties), matmuls (transposes, batch
 * broadcast, fused, gradients), elementwise math with broadcasting, softmax,
 * Relu's gradient, reductions, indexing and the MomentumUpdate kernel. Each check
 * is within the backend's tolerance for that kind of kernel (`Tolerances`); where
 * the backend says which kernels it runs natively and which it sends to its
 * counted fallback (`kernels`), each check also counts the calls it makes.
 *
 * To add a backend: register it with tfjs, then call `conformanceSuite` from its
 * test file with its tolerances (each justified beside the call), the groups it
 * implements, and `skip` with the reason where it cannot run here. Used by
 * graft-cpu.test.ts (fp32), bf16.test.ts (graft-cpu in bf16) and cuda.test.ts
 * (graft-cuda over the host double, and on a GPU).
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { type ConvCase, rand, relDiff, type Values, valuesOn } from "./helpers.ts";

/** The kinds of kernels the suite checks; a backend enables those it implements. */
export type ConformanceGroup =
  | "conv"
  | "pool"
  | "matmul"
  | "elementwise"
  | "reductions"
  | "indexing"
  | "optimizer";

export const ALL_GROUPS: readonly ConformanceGroup[] = [
  "conv",
  "pool",
  "matmul",
  "elementwise",
  "reductions",
  "indexing",
  "optimizer",
];

/**
 * Largest error allowed per kind of kernel, as measured by `error` (relDiff: relative
 * to the output's scale, absolute near zero). Everything else the suite checks
 * (arithmetic, comparisons, casts, max pooling, max/min/argmax, indexing, Relu's
 * gradient, MomentumUpdate) must be exact on every backend.
 */
export interface Tolerances {
  /** Conv2D, FusedConv2D and both backprops. */
  conv: number;
  /** BatchMatMul, _FusedMatMul and their gradients. */
  matmul: number;
  /** Average pooling and both pooling gradients. */
  pool: number;
  /** sum, mean, prod. */
  sum: number;
  /** exp, sigmoid, tanh, elu, log, sqrt, rsqrt, log1p. */
  math: number;
  /** softmax. */
  softmax: number;
  /** softmax's gradient. */
  softmaxGrad: number;
}

/** The per-kernel counts graft-cpu's and graft-cuda's backends keep (`backend.stats`). */
export interface KernelCounts {
  native: Record<string, number>;
  fallback: Record<string, { count: number }>;
}

export interface ConformanceOptions {
  /** Names the suite's describes: the backend, and its mode where it has several. */
  name: string;
  /** The tfjs backend under test (registered). */
  backend: string;
  tolerances: Tolerances;
  /** Why the backend cannot run here (the suite is skipped), or null. The caller decides whether CI fails instead. */
  skip?: string | null;
  /** The groups this backend implements; all by default. */
  groups?: readonly ConformanceGroup[];
  /** The error measure, (actual, expected) → number; relDiff by default. */
  error?: (actual: Values, expected: Values) => number;
  /**
   * Runs `onBackend` (one check's run on the backend, never the reference's): a mode
   * to switch on around it, and what to assert after it.
   */
  around?: (onBackend: () => Promise<Values[]>) => Promise<Values[]>;
  /** Max pooling's gradient on ties is tfjs-cpu's bit for bit; otherwise each window's dy goes to exactly one position. */
  exactTies?: boolean;
  /** Reduced precision: the plain forward convolutions and matmuls must differ from fp32 somewhere (it really ran). */
  inexact?: boolean;
  /**
   * The backend's kernel counts, and the kernels it must run natively or send to its
   * counted fallback in every call the suite makes; each check names the calls it makes
   * (e.g. one Conv2D, one Conv2DBackpropInput, one Conv2DBackpropFilter) and the counts
   * must move by exactly that, on the side given here. Kernels in neither list are not counted.
   */
  kernels?: {
    stats: () => KernelCounts;
    native?: readonly string[];
    fallback?: readonly string[];
  };
  /** Host copies made so far (graft-cuda's hostRoundTrips().downloads): MomentumUpdate must make none. */
  hostDownloads?: () => number;
}

/** Depthwise convolutions: [n, h, w, c, multiplier, k, stride, pad, dilation]. */
export const DEPTHWISE_CASES: readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  "same" | "valid",
  number,
][] = [
  [1, 5, 5, 1, 1, 3, 1, "same", 1],
  [2, 8, 6, 3, 1, 3, 2, "same", 1],
  [2, 7, 9, 8, 2, 3, 1, "valid", 1],
  [2, 9, 9, 16, 1, 5, 2, "valid", 1],
  [1, 12, 10, 32, 1, 3, 1, "same", 1],
  [2, 8, 8, 4, 3, 5, 1, "same", 1],
  [2, 9, 8, 6, 1, 3, 1, "same", 2],
];

/** The convolutions: a sweep of shapes, channel counts, strides and paddings, dilation, 1x1, and wide layers. */
export const CONV_CASES: readonly ConvCase[] = (() => {
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
  // Wider layers (up to 1152 products per output), as VGG's: the bf16 sweep's cases.
  cases.push({ n: 2, h: 9, w: 9, c: 3, oc: 8, k: 3, s: 1, pad: "same", d: 1 });
  cases.push({ n: 2, h: 8, w: 8, c: 64, oc: 16, k: 3, s: 2, pad: "valid", d: 1 });
  cases.push({ n: 1, h: 14, w: 14, c: 128, oc: 32, k: 3, s: 1, pad: "same", d: 1 });
  cases.push({ n: 3, h: 7, w: 9, c: 16, oc: 8, k: 1, s: 1, pad: "valid", d: 1 });
  cases.push({ n: 2, h: 9, w: 8, c: 8, oc: 5, k: 3, s: 1, pad: "same", d: 2 });
  return cases;
})();

/** Matmuls: [a's shape, b's shape, transposeA, transposeB]. */
export const MATMUL_CASES: readonly [number[], number[], boolean, boolean][] = [
  [[3, 5], [5, 4], false, false],
  [[5, 3], [5, 4], true, false],
  [[3, 5], [4, 5], false, true],
  [[5, 3], [4, 5], true, true],
  [[2, 3, 5], [2, 5, 4], false, false],
  [[2, 3, 5], [1, 5, 4], false, false],
  [[1, 3, 5], [4, 5, 4], false, false],
  [[4, 2, 3, 5], [5, 4], false, false],
  [[1, 64, 300], [1, 300, 17], false, false],
  [[16, 300], [300, 24], false, false],
  [[300, 16], [300, 24], true, false],
  [[2, 33, 65], [2, 40, 65], false, true],
  [[8, 512], [512, 64], false, false],
];

/** Max and average pooling: [input shape, size, stride, padding]. */
const POOL_CASES: [number[], number, number, "same" | "valid"][] = [];
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
    for (const pad of ["same", "valid"] as const) POOL_CASES.push([shape, size, stride, pad]);

/** Shapes of binary operands: equal, trailing vector, scalar, size-1 axes on either side. */
const BROADCAST_PAIRS: [number[], number[]][] = [
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
  [
    [2, 3, 1, 5],
    [3, 4, 1],
  ],
  // One value per image, both ways round (drop-connect's [N, 1, 1, 1] mask), and one row per
  // image (squeeze-and-excitation's [N, 1, 1, C]).
  [
    [4, 5, 6, 7],
    [4, 1, 1, 1],
  ],
  [
    [4, 1, 1, 1],
    [4, 5, 6, 7],
  ],
  [
    [4, 5, 6, 7],
    [4, 1, 1, 7],
  ],
  [
    [6, 50],
    [6, 1],
  ],
];

const ACTIVATIONS = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"] as const;

/** Registers the suite's describes for one backend (see the module's comment). */
export function conformanceSuite(opts: ConformanceOptions): void {
  const { name, backend, tolerances: tol } = opts;
  const groups = new Set(opts.groups ?? ALL_GROUPS);
  const error = opts.error ?? ((actual: Values, expected: Values) => relDiff(expected, actual));
  const around = opts.around ?? ((onBackend) => onBackend());
  const worst = new Map<string, number>();
  const suite = opts.skip ? describe.skip : describe;
  const group = (g: ConformanceGroup, title: string, body: () => void) => {
    if (groups.has(g)) describe(`${name}: ${title}`, body);
  };

  const snapshot = () => {
    const s = opts.kernels?.stats() as KernelCounts;
    const native: Record<string, number> = { ...s.native };
    const fallback: Record<string, number> = {};
    for (const [k, f] of Object.entries(s.fallback)) fallback[k] = f.count;
    return { native, fallback };
  };

  /** fn on tfjs-cpu, then on the backend; `calls` are the kernel calls it makes, counted where `kernels` says. */
  async function compare(
    fn: () => tf.Tensor | tf.Tensor[],
    calls: Record<string, number> = {},
  ): Promise<[expected: Values[], actual: Values[]]> {
    const expected = await valuesOn("cpu", fn);
    const counted = opts.kernels ? snapshot() : null;
    const actual = await around(() => valuesOn(backend, fn));
    if (counted) {
      const now = snapshot();
      const moved = (side: Record<string, number>, was: Record<string, number>, k: string) =>
        (side[k] ?? 0) - (was[k] ?? 0);
      for (const [k, n] of Object.entries(calls)) {
        if (opts.kernels?.native?.includes(k)) {
          expect(moved(now.native, counted.native, k), `${k} native`).toBe(n);
          expect(moved(now.fallback, counted.fallback, k), `${k} fallback`).toBe(0);
        } else if (opts.kernels?.fallback?.includes(k)) {
          expect(moved(now.fallback, counted.fallback, k), `${k} fallback`).toBe(n);
          expect(moved(now.native, counted.native, k), `${k} native`).toBe(0);
        }
      }
    }
    expect(actual.length).toBe(expected.length);
    return [expected, actual];
  }

  /** Every output within `t`; returns the largest error, also kept per `what` for the summary. */
  async function close(
    what: string,
    fn: () => tf.Tensor | tf.Tensor[],
    t: number,
    calls?: Record<string, number>,
  ): Promise<number> {
    const [expected, actual] = await compare(fn, calls);
    let largest = 0;
    expected.forEach((e, i) => {
      const err = error(actual[i] as Values, e);
      expect(err, `${what}, output ${i}`).toBeLessThanOrEqual(t);
      largest = Math.max(largest, err);
    });
    worst.set(what, Math.max(worst.get(what) ?? 0, largest));
    return largest;
  }

  suite(`${name} agrees with tfjs-cpu`, () => {
    afterAll(() => {
      const rows = [...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`);
      if (rows.length > 0) console.log(`[conformance ${name}] largest errors: ${rows.join(", ")}`);
    });

    group("conv", `Conv2D / FusedConv2D / backprops (tolerance ${tol.conv})`, () => {
      it.each(CONV_CASES)(
        "forward n=$n h=$h w=$w c=$c oc=$oc k=$k s=$s $pad d=$d",
        async ({ n, h, w, c, oc, k, s, pad, d }) => {
          const x = rand([n, h, w, c], 1);
          const f = rand([k, k, c, oc], 2);
          const b = rand([oc], 3);
          const plain = await close(
            "conv",
            () => tf.conv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, s, pad, "NHWC", d),
            tol.conv,
            { Conv2D: 1 },
          );
          if (opts.inexact) expect(plain, "it did round").toBeGreaterThan(0);
          for (const activation of ACTIVATIONS) {
            await close(
              "fused conv",
              () =>
                tf.fused.conv2d({
                  x: x() as tf.Tensor4D,
                  filter: f() as tf.Tensor4D,
                  strides: s,
                  pad,
                  dilations: d,
                  bias: b(),
                  activation,
                  // tfjs-core's fused conv2d has no default alpha (fused matMul's is 0.2):
                  // tfjs-cpu would compute undefined * x = NaN.
                  leakyreluAlpha: 0.2,
                }),
              tol.conv,
              { FusedConv2D: 1 },
            );
          }
          await close(
            "fused conv",
            () =>
              tf.fused.conv2d({
                x: x() as tf.Tensor4D,
                filter: f() as tf.Tensor4D,
                strides: s,
                pad,
                dilations: d,
              }),
            tol.conv,
            { FusedConv2D: 1 },
          );
        },
      );

      it.each(CONV_CASES.filter((c) => c.d === 1))(
        "gradients n=$n h=$h w=$w c=$c oc=$oc k=$k s=$s $pad",
        async ({ n, h, w, c, oc, k, s, pad }) => {
          const x = rand([n, h, w, c], 4);
          const f = rand([k, k, c, oc], 5);
          const b = rand([oc], 6);
          // The training path: conv → add bias → relu, differentiated w.r.t. x, filter and bias.
          await close(
            "conv gradients",
            () =>
              tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
                tf.sum(
                  tf.square(
                    tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, s, pad), bb)),
                  ),
                ),
              )([x(), f(), b()]),
            tol.conv,
            { Conv2D: 1, Conv2DBackpropInput: 1, Conv2DBackpropFilter: 1 },
          );
        },
      );
    });

    group("conv", `DepthwiseConv2dNative and both backprops (tolerance ${tol.conv})`, () => {
      it.each(DEPTHWISE_CASES)(
        "depthwise n=%i h=%i w=%i c=%i m=%i k=%i s=%i %s d=%i: forward and gradients",
        async (n, h, w, c, m, k, s, pad, d) => {
          const x = rand([n, h, w, c], 11);
          const f = rand([k, k, c, m], 12);
          await close(
            "depthwise conv",
            () => tf.depthwiseConv2d(x() as tf.Tensor4D, f() as tf.Tensor4D, s, pad, "NHWC", d),
            tol.conv,
            { DepthwiseConv2dNative: 1 },
          );
          if (d !== 1) return;
          await close(
            "depthwise gradients",
            () =>
              tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
                tf.sum(tf.square(tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, s, pad))),
              )([x(), f()]),
            tol.conv,
            {
              DepthwiseConv2dNative: 1,
              DepthwiseConv2dNativeBackpropInput: 1,
              DepthwiseConv2dNativeBackpropFilter: 1,
            },
          );
        },
      );
    });

    group("pool", `pooling (max exact, avg and gradients ${tol.pool})`, () => {
      it.each(POOL_CASES)(
        "max/avg %j size=%i stride=%i %s, forward and gradient",
        async (shape, size, stride, pad) => {
          const x = rand(shape, 7);
          await close("max pool", () => tf.maxPool(x() as tf.Tensor4D, size, stride, pad), 0, {
            MaxPool: 1,
          });
          await close(
            "avg pool",
            () => tf.avgPool(x() as tf.Tensor4D, size, stride, pad),
            tol.pool,
            { AvgPool: 1 },
          );
          await close(
            "pool gradients",
            () =>
              tf.grad((xx: tf.Tensor) =>
                tf.sum(tf.square(tf.maxPool(xx as tf.Tensor4D, size, stride, pad))),
              )(x()),
            tol.pool,
            { MaxPool: 1, MaxPoolGrad: 1 },
          );
          await close(
            "pool gradients",
            () =>
              tf.grad((xx: tf.Tensor) =>
                tf.sum(tf.square(tf.avgPool(xx as tf.Tensor4D, size, stride, pad))),
              )(x()),
            tol.pool,
            { AvgPool: 1, AvgPoolGrad: 1 },
          );
        },
      );

      it(`max pooling gradient on ties ${opts.exactTies ? "follows tfjs bit for bit" : "sends each window's dy to exactly one position"}`, async () => {
        const [cpu, other] = await compare(
          () =>
            tf.grad((xx: tf.Tensor) => tf.sum(tf.maxPool(xx as tf.Tensor4D, 2, 2, "valid")))(
              tf.ones([2, 4, 4, 3]),
            ),
          { MaxPool: 1, MaxPoolGrad: 1 },
        );
        const got = Array.from(other[0] as Values);
        if (opts.exactTies) expect(got).toEqual(Array.from(cpu[0] as Values));
        const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
        expect(total(got)).toBe(total(Array.from(cpu[0] as Values)));
        expect(got.every((v) => v === 0 || v === 1)).toBe(true);
      });
    });

    group("matmul", `matmul (tolerance ${tol.matmul})`, () => {
      it.each(MATMUL_CASES)(
        "%j × %j tA=%s tB=%s, plain, fused and gradients",
        async (sa, sb, ta, tb) => {
          const a = rand(sa, 8);
          const b = rand(sb, 9);
          const plain = await close("matmul", () => tf.matMul(a(), b(), ta, tb), tol.matmul, {
            BatchMatMul: 1,
          });
          if (opts.inexact) expect(plain, "it did round").toBeGreaterThan(0);
          const n = (tb ? sb[sb.length - 2] : sb[sb.length - 1]) as number;
          const bias = rand([n], 10);
          for (const activation of ACTIVATIONS) {
            await close(
              "fused matmul",
              () =>
                tf.fused.matMul({
                  a: a(),
                  b: b(),
                  transposeA: ta,
                  transposeB: tb,
                  bias: bias(),
                  activation,
                }),
              tol.matmul,
              { _FusedMatMul: 1 },
            );
          }
          // tfjs' own BatchMatMul gradient rejects broadcast batches, so only equal batches are differentiated.
          if (sa.length === sb.length && sa[0] === sb[0]) {
            await close(
              "matmul gradients",
              () =>
                tf.grads((x: tf.Tensor, y: tf.Tensor) =>
                  tf.sum(tf.square(tf.matMul(x, y, ta, tb))),
                )([a(), b()]),
              tol.matmul,
              { BatchMatMul: 3 },
            );
          }
        },
      );
    });

    group("elementwise", "elementwise, broadcasting, unary math, softmax", () => {
      it.each(BROADCAST_PAIRS)("arithmetic and comparisons %j with %j (exact)", async (sa, sb) => {
        const a = rand(sa, 11);
        const b = () => tf.add(rand(sb, 12)(), 3); // away from zero for division
        for (const op of [tf.add, tf.sub, tf.mul, tf.div]) {
          await close("arithmetic", () => op(a(), b()), 0);
        }
        for (const op of [tf.maximum, tf.minimum, tf.squaredDifference]) {
          await close("arithmetic", () => op(a(), b()), 0);
        }
        for (const op of [
          tf.equal,
          tf.notEqual,
          tf.greater,
          tf.greaterEqual,
          tf.less,
          tf.lessEqual,
        ]) {
          await close("comparisons", () => op(tf.round(tf.mul(a(), 2)), tf.round(b())), 0);
        }
        await close("comparisons", () => tf.logicalAnd(tf.greater(a(), 0), tf.less(b(), 3)), 0);
        await close(
          "arithmetic",
          () => tf.add(tf.cast(tf.mul(a(), 10), "int32"), tf.cast(b(), "int32")),
          0,
        );
      });

      it(`unary math (exact, or ${tol.math} for transcendentals), casts, clip, select, Relu's gradient`, async () => {
        const x = rand([3, 7, 9, 11], 13);
        for (const op of [
          tf.neg,
          tf.square,
          tf.relu,
          tf.floor,
          tf.ceil,
          tf.abs,
          tf.sign,
          tf.relu6,
          tf.reciprocal,
        ]) {
          await close("unary", () => op(x()), 0);
        }
        await close("unary", () => tf.step(x(), 0.25), 0);
        await close("unary", () => tf.clipByValue(x(), -0.5, 0.25), 0);
        // ReLU6 (relu, then clip), swish's and squeeze-excitation's sigmoid, and the excitation's
        // [N, H, W, C] · [N, 1, 1, C], on MobileNet- and EfficientNet-sized activations.
        const act = rand([3, 20, 20, 24], 31);
        await close("unary", () => tf.clipByValue(act(), 0, 6), 0, { ClipByValue: 1 });
        await close("unary", () => tf.clipByValue(tf.div(act(), tf.scalar(Number.NaN)), 0, 6), 0, {
          ClipByValue: 1,
        });
        // Relu6 itself (Keras 3's hard_sigmoid and hard_swish), on values past both ends, and NaN.
        await close("unary", () => tf.relu6(tf.mul(act(), 4)), 0, { Relu6: 1 });
        await close("unary", () => tf.relu6(tf.div(act(), tf.scalar(Number.NaN))), 0, {
          Relu6: 1,
        });
        // Its gradient against tfjs' own formula (dy where 0 < x <= 6, NaN at NaN), on values
        // that hit 0 and 6 exactly and lie on both sides of them.
        const edges = () =>
          tf.concat([
            tf.reshape(tf.mul(act(), 8), [-1]),
            tf.tensor([0, 6, -0, 6.0000005, 5.9999995, Number.NaN]),
          ]);
        const dy = () => tf.add(tf.mul(edges(), 0), 0.5);
        const tfjsMask = (x: tf.Tensor) =>
          tf.cast(tf.mul(tf.lessEqual(x, 6), tf.step(x)), "float32");
        await close(
          "unary",
          () => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.relu6(xx), dy())))(edges()),
          0,
          { Relu6: 1 },
        );
        const [got, want] = await compare(() => [
          tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.relu6(xx), dy())))(edges()),
          tf.mul(dy(), tfjsMask(edges())),
        ]).then(([, actual]) => actual);
        expect(Array.from(got as Float32Array)).toEqual(Array.from(want as Float32Array));
        // ReLU6's gradient: one ClipByValueGrad where graft-cpu has it, tfjs' where elsewhere.
        await close(
          "unary",
          () =>
            tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(xx, -0.25, 0.5), act())))(
              act(),
            ),
          0,
          { ClipByValue: 1, ClipByValueGrad: 1 },
        );
        await close("transcendentals", () => tf.sigmoid(tf.mul(act(), 30)), tol.math, {
          Sigmoid: 1,
        });
        const se = rand([3, 1, 1, 24], 32);
        await close("broadcast", () => tf.mul(act(), se()), 0, { Multiply: 1 });
        await close("broadcast", () => tf.mul(se(), act()), 0, { Multiply: 1 });
        await close("broadcast", () => tf.sub(act(), se()), 0);
        // Not one row per image (the batch broadcasts too): tfjs-cpu's kernel.
        await close("broadcast", () => tf.mul(act(), rand([1, 1, 20, 24], 33)()), 0);
        await close("unary", () => tf.leakyRelu(x(), 0.1), 0);
        await close(
          "unary",
          () => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.relu(xx))))(x()),
          0,
        );
        for (const op of [tf.exp, tf.sigmoid, tf.tanh, tf.elu])
          await close("transcendentals", () => op(x()), tol.math);
        for (const op of [tf.log, tf.sqrt, tf.rsqrt, tf.log1p])
          await close("transcendentals", () => op(tf.abs(x())), tol.math);
        await close("casts", () => tf.cast(tf.mul(x(), 7), "int32"), 0);
        await close("casts", () => tf.cast(tf.greater(x(), 0), "float32"), 0);
        await close("casts", () => tf.cast(tf.cast(tf.mul(x(), 3), "int32"), "bool"), 0);
        await close("select", () => tf.where(tf.greater(x(), 0), x(), tf.neg(x())), 0);
        await close("fill", () => tf.zerosLike(x()), 0);
        await close("fill", () => tf.onesLike(tf.cast(x(), "int32")), 0);
        await close("fill", () => tf.fill([3, 4], 2.5), 0);
      });

      it(`softmax (${tol.softmax}) and its gradient (${tol.softmaxGrad})`, async () => {
        const x = rand([3, 7, 9, 11], 13);
        await close("softmax", () => tf.softmax(x()), tol.softmax, { Softmax: 1 });
        await close("softmax", () => tf.softmax(tf.mul(x(), 50)), tol.softmax, { Softmax: 1 });
        await close(
          "softmax gradient",
          () => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.softmax(xx))))(x()),
          tol.softmaxGrad,
          { Softmax: 1 },
        );
      });

      it("batch normalisation (FusedBatchNorm) is bit for bit tfjs-cpu's, per channel or scalar parameters", async () => {
        const x = rand([2, 5, 6, 7], 15);
        const mean = rand([7], 16);
        const variance = () => tf.add(tf.abs(rand([7], 17)()), 0.1);
        const offset = rand([7], 18);
        const scale = rand([7], 19);
        await close(
          "batch norm",
          () => tf.batchNorm(x(), mean(), variance(), offset(), scale(), 1.001e-5),
          0,
          { FusedBatchNorm: 1 },
        );
        await close("batch norm", () => tf.batchNorm(x(), mean(), variance()), 0, {
          FusedBatchNorm: 1,
        });
        await close(
          "batch norm",
          () =>
            tf.batchNorm(x(), tf.tensor1d([0.25]), tf.tensor1d([2]), offset(), tf.tensor1d([3])),
          0,
          { FusedBatchNorm: 1 },
        );
        // Rank 2, with NaN and infinities in x: they pass through as in tfjs.
        const special = () =>
          tf.tensor2d(
            [
              Number.NaN,
              Number.POSITIVE_INFINITY,
              Number.NEGATIVE_INFINITY,
              -0,
              1e30,
              -1e-30,
              5,
              6,
            ],
            [2, 4],
          );
        await close(
          "batch norm",
          () =>
            tf.batchNorm(special(), rand([4], 20)(), tf.ones([4]), undefined, rand([4], 21)(), 0.5),
          0,
          { FusedBatchNorm: 1 },
        );
        // Training mode, as BatchNormalization layers run it: the batch's own moments.
        await close(
          "batch norm",
          () => {
            const m = tf.moments(x(), [0, 1, 2]);
            return tf.batchNorm(x(), m.mean, m.variance, offset(), scale(), 1e-3);
          },
          0,
          { FusedBatchNorm: 1 },
        );
        // Its gradient with respect to everything (tfjs' composite of elementwise ops).
        await close(
          "batch norm",
          () =>
            tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.square(tf.batchNorm(a, mean(), variance(), b, c, 1e-3))),
            )([x(), offset(), scale()]),
          1e-6,
          { FusedBatchNorm: 1 },
        );
      });

      it("batch moments (Mean over leading axes, Square), Tile, SplitV and Slice are bit for bit tfjs-cpu's", async () => {
        const x = rand([4, 9, 7, 12], 25);
        await close("moments", () => tf.mean(x(), [0, 1, 2]), 0, { Mean: 1 });
        await close("moments", () => tf.mean(x(), [0, 1], true), 0, { Mean: 1 });
        await close("moments", () => tf.square(x()), 0, { Square: 1 });
        await close(
          "moments",
          () => {
            const m = tf.moments(x(), [0, 1, 2]);
            return [m.mean, m.variance];
          },
          0,
          { Mean: 2, Square: 1 },
        );
        // Over the axes after the batch (global average pooling), image by image.
        await close("moments", () => tf.mean(x(), [1, 2]), 0, { Mean: 1 });
        await close("moments", () => tf.mean(x(), [1, 2], true), 0, { Mean: 1 });
        // Neither: tfjs-cpu's kernel.
        await close("moments", () => tf.mean(x(), [1, 3]), 0);
        await close("moments", () => tf.mean(x(), [2, 3]), 0);
        await close("tile", () => tf.tile(rand([1, 1, 1, 12], 26)(), [4, 9, 7, 1]), 0, { Tile: 1 });
        await close("tile", () => tf.tile(rand([2, 3, 40], 27)(), [3, 1, 2]), 0, { Tile: 1 });
        await close("tile", () => tf.tile(rand([300], 28)(), [3]), 0, { Tile: 1 });
        await close("tile", () => tf.tile(tf.cast(tf.mul(x(), 5), "int32"), [1, 2, 1, 1]), 0);
        // SplitV (a Concatenate's gradient): along the channels and along the batch.
        await close("split", () => tf.split(x(), [3, 5, 4], 3), 0, { SplitV: 1 });
        await close("split", () => tf.split(x(), 2, 0), 0, { SplitV: 1 });
        await close("split", () => tf.split(x(), [4, 0, 5], 1), 0, { SplitV: 1 });
        await close(
          "split",
          () =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.concat([a, b], 3))))([
              x(),
              rand([4, 9, 7, 5], 29)(),
            ]),
          0,
          { SplitV: 1 },
        );
        // Slice: boxes that are not one run of x natively (a padding's gradient), others a view.
        await close("slice", () => tf.slice(x(), [0, 1, 1, 0], [4, 7, 5, 12]), 0, { Slice: 1 });
        await close("slice", () => tf.slice(x(), [1, 2, 0, 3], [2, -1, 7, 6]), 0, { Slice: 1 });
        await close("slice", () => tf.slice(rand([30, 40], 29)(), [3, 5], [20, 30]), 0, {
          Slice: 1,
        });
        await close("slice", () => tf.slice(x(), [1, 0, 0, 0], [2, 9, 7, 12]), 0);
        await close(
          "slice",
          () =>
            tf.grad((a: tf.Tensor) =>
              tf.sum(
                tf.pad(a, [
                  [0, 0],
                  [1, 1],
                  [1, 1],
                  [0, 0],
                ]),
              ),
            )(x()),
          0,
        );
      });

      it("padding (PadV2) is bit for bit tfjs-cpu's: any rank, any sides, any constant", async () => {
        const x = rand([2, 5, 6, 3], 22);
        const cases: [number[][], number][] = [
          [
            [
              [0, 0],
              [3, 3],
              [3, 3],
              [0, 0],
            ],
            0,
          ],
          [
            [
              [1, 2],
              [0, 1],
              [2, 0],
              [1, 1],
            ],
            -1.5,
          ],
          [
            [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ],
            Number.NaN,
          ],
        ];
        for (const [paddings, constant] of cases) {
          await close("pad", () => tf.pad(x(), paddings as [number, number][], constant), 0, {
            PadV2: 1,
          });
        }
        await close("pad", () => tf.pad(rand([300], 23)(), [[4, 7]], 0.1), 0, { PadV2: 1 });
        await close(
          "pad",
          () =>
            tf.pad(
              rand([20, 30], 24)(),
              [
                [0, 3],
                [5, 0],
              ],
              2,
            ),
          0,
          { PadV2: 1 },
        );
        // Its gradient (a slice), and an int32 pad.
        await close(
          "pad",
          () =>
            tf.grad((a: tf.Tensor) =>
              tf.sum(tf.square(tf.pad(a, cases[1]?.[0] as [number, number][]))),
            )(x()),
          0,
          { PadV2: 1 },
        );
        await close(
          "pad",
          () =>
            tf.pad(
              tf.cast(tf.mul(x(), 9), "int32"),
              [
                [0, 0],
                [1, 1],
                [1, 1],
                [0, 0],
              ],
              3,
            ),
          0,
        );
      });

      it("Relu's gradient is bit for bit tfjs' dy * step(x), NaN and ±Inf included", async () => {
        const xs = [
          -2,
          -0,
          0,
          1.5,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          3,
        ];
        const dys = [
          1,
          2,
          Number.POSITIVE_INFINITY,
          -4,
          5,
          Number.NaN,
          Number.POSITIVE_INFINITY,
          -0,
        ];
        // One ReluGrad where graft's Relu gradient is registered (graft-cpu's module does it).
        const [cpu, other] = await compare(
          () => tf.grad((x: tf.Tensor) => tf.relu(x))(tf.tensor1d(xs), tf.tensor1d(dys)),
          { ReluGrad: 1 },
        );
        expect(Array.from(other[0] as Values).map(String)).toEqual(
          Array.from(cpu[0] as Values).map(String),
        );
      });
    });

    group("reductions", `reductions: sum/mean/prod (${tol.sum}), max/min/argmax/argmin`, () => {
      it("sum/mean/max/min over every kind of axis, prod, int32 sum, argmax/argmin", async () => {
        const x = rand([4, 9, 9, 6], 14);
        for (const axis of [[0, 1, 2], 0, [1, 2], 3, [0, 2], [1, 3], undefined] as (
          | number
          | number[]
          | undefined
        )[]) {
          await close("sum", () => tf.sum(x(), axis), tol.sum);
          await close("sum", () => tf.sum(x(), axis, true), tol.sum);
          await close("sum", () => tf.mean(x(), axis), tol.sum);
          await close("max/min", () => tf.max(x(), axis), 0);
          await close("max/min", () => tf.min(x(), axis), 0);
        }
        await close("sum", () => tf.prod(tf.add(x(), 1), 3), tol.sum);
        await close("sum", () => tf.sum(tf.cast(tf.mul(x(), 9), "int32"), 1), 0);
        for (const axis of [0, 1, 3, -1]) {
          await close("max/min", () => tf.argMax(x(), axis), 0);
          await close("max/min", () => tf.argMin(x(), axis), 0);
        }
      });

      it("sum over leading axes (bias gradients) of 64 channels, and other sums", async () => {
        const x = rand([4, 9, 9, 64], 14);
        await close("sum", () => tf.sum(x(), [0, 1, 2]), tol.sum, { Sum: 1 });
        await close("sum", () => tf.sum(x(), [0, 1, 2], true), tol.sum, { Sum: 1 });
        await close("sum", () => tf.sum(x(), 0), tol.sum, { Sum: 1 });
        await close("sum", () => tf.sum(x(), [1, 2]), tol.sum, { Sum: 1 });
        await close("sum", () => tf.sum(x(), [1, 2], true), tol.sum, { Sum: 1 });
        await close("sum", () => tf.sum(x()), tol.sum);
      });
    });

    group("indexing", "slice, transpose, gather, oneHot, reverse (exact)", () => {
      it("slice, transpose, gather, oneHot, reverse", async () => {
        const x = rand([4, 5, 6, 3], 15);
        await close("indexing", () => tf.slice(x(), [1, 0, 2, 0], [2, 5, 3, 2]), 0);
        await close("indexing", () => tf.slice(x(), [0, 2], [-1, 2]), 0);
        await close("indexing", () => tf.transpose(x(), [0, 3, 1, 2]), 0);
        await close("indexing", () => tf.transpose(x(), [3, 2, 1, 0]), 0);
        await close("indexing", () => tf.gather(x(), tf.tensor1d([3, 0, 0, 2], "int32"), 0), 0);
        await close(
          "indexing",
          () => tf.gather(x(), tf.tensor2d([1, 4, 2, 0], [2, 2], "int32"), 1),
          0,
        );
        await close("indexing", () => tf.oneHot(tf.tensor1d([0, 3, 1, 2, 2], "int32"), 4), 0);
        await close(
          "indexing",
          () => tf.oneHot(tf.tensor1d([0, 3, 1], "int32"), 5, 2, -1, "int32"),
          0,
        );
        await close("indexing", () => tf.reverse(x(), -1), 0);
        await close("indexing", () => tf.reverse(x(), [0, 2]), 0);
        await close("indexing", () => tf.reverse(tf.cast(tf.mul(x(), 9), "int32"), [1, 3]), 0);
      });
    });

    group("optimizer", "MomentumUpdate (exact)", () => {
      it("MomentumUpdate gives tfjs's four ops' bits (plain and Nesterov), on the backend's scalars", async () => {
        const [value, acc, grad] = [rand([7, 33], 51), rand([7, 33], 52), rand([7, 33], 53)];
        const m = () => tf.scalar(0.9);
        const c = () => tf.scalar(-1e-3);
        for (const useNesterov of [false, true]) {
          const downloads = opts.hostDownloads?.();
          const [want, got] = await compare(
            () => {
              if (tf.getBackend() === "cpu") {
                // tfjs's MomentumOptimizer: acc' = m·acc + g; value' = c·acc' + value (Nesterov: c·(g + m·acc') + value).
                const a1 = tf.add(tf.mul(m(), acc()), grad());
                const v1 = useNesterov
                  ? tf.add(tf.mul(c(), tf.add(grad(), tf.mul(a1, m()))), value())
                  : tf.add(tf.mul(c(), a1), value());
                return [v1, a1];
              }
              return tf
                .engine()
                .runKernel(
                  "MomentumUpdate",
                  { value: value(), accumulation: acc(), gradient: grad(), m: m(), c: c() },
                  { useNesterov },
                ) as tf.Tensor[];
            },
            { MomentumUpdate: 1 },
          );
          expect(Array.from(got[0] as Values)).toEqual(Array.from(want[0] as Values));
          expect(Array.from(got[1] as Values)).toEqual(Array.from(want[1] as Values));
          if (downloads !== undefined) expect(opts.hostDownloads?.()).toBe(downloads);
        }
      });
    });
  });
}
