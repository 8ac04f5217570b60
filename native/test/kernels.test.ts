// The CPU kernels of graft.node (`addon.cpu`), called directly and compared with
// tfjs-backend-cpu on the same data (tier 2: needs the built addon). Without
// graft.node these tests are skipped with the reasons printed, unless CI is set:
// then they fail. Without oneDNN (GRAFT_WITH_ONEDNN=OFF) the oneDNN kernels'
// sweeps are skipped, saying so, and a test checks they throw ERR_GRAFT_UNAVAILABLE.
//
// Tolerances sit beside each test. `relErr` is max|actual - expected| over the
// largest |expected| (a normwise error: a sum of K products carries errors of
// about sqrt(K) ulp of its terms, not of itself).
import { spawnSync } from "node:child_process";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addonStatus,
  CPU_ACTIVATIONS,
  type CpuKernels,
  capabilities,
  convParams,
  DEFAULT_ADDON_PATH,
  loadAddon,
  poolParams,
} from "../ts/index.ts";
import { inCI, relErr } from "./helpers.ts";

const status = addonStatus();
if (!status.loaded && !inCI) {
  console.warn(
    `[@graft/native] skipping the kernel tests (set CI=1 to make them fail instead):\n` +
      status.reasons.map((r) => `  - ${r}`).join("\n"),
  );
}
const describeWithAddon = status.loaded || inCI ? describe : describe.skip;
const onednn = status.loaded && capabilities().onednn;
if (status.loaded && !onednn) {
  console.warn(
    `[@graft/native] graft.node has no oneDNN (${capabilities().onednnReason}): skipping the ` +
      "conv2d/matmul comparisons; checking that they throw ERR_GRAFT_UNAVAILABLE instead",
  );
}
const describeOneDnn = onednn ? describe : describe.skip;

// Resolved in beforeAll, so that a missing addon skips instead of failing at import.
let cpu: CpuKernels;

beforeAll(async () => {
  await tf.setBackend("cpu");
  // tfjs-cpu suggests installing tfjs-node on its first write in Node; not here.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  if (status.loaded) cpu = loadAddon().cpu;
});

// --- data and comparisons ---

/** Deterministic values in [lo, hi) (mulberry32). */
function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Small integers, so that pooling windows hold ties. */
function ties(n: number, seed: number): Float32Array {
  return random(n, seed, 0, 4).map(Math.floor);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Same bits (NaN equal to NaN). */
function expectSame(actual: Float32Array, expected: ArrayLike<number>) {
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

function values(t: tf.Tensor | tf.Tensor[]): Float32Array {
  const one = Array.isArray(t) ? t[0] : t;
  if (!one) throw new Error("no tensor");
  return one.dataSync() as Float32Array;
}

const ACTIVATION_NAMES = Object.keys(CPU_ACTIVATIONS) as (keyof typeof CPU_ACTIVATIONS)[];

// --- the convolution sweep ---

interface ConvCase {
  name: string;
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  oc: number;
  stride: number;
  dilation: number;
  pad: "same" | "valid";
  activation: keyof typeof CPU_ACTIVATIONS;
  bias: boolean;
}

function convCases(withDilation: boolean): ConvCase[] {
  const cases: ConvCase[] = [];
  const filters: [number, number][] = [
    [3, 3],
    [1, 1],
    [2, 3],
  ];
  const outs = [5, 16, 64];
  let i = 0;
  for (const n of [1, 3])
    for (const c of [1, 3, 64])
      for (const [h, w] of [
        [7, 9],
        [8, 8],
      ] as const)
        for (const stride of [1, 2])
          for (const pad of ["same", "valid"] as const)
            for (const dilation of withDilation ? [1, 2] : [1]) {
              if (stride > 1 && dilation > 1) continue; // tfjs: "strides or dilations must be 1"
              const [kh, kw] = filters[i % filters.length] as [number, number];
              const oc = outs[(i + n) % outs.length] as number;
              const activation = ACTIVATION_NAMES[
                i % ACTIVATION_NAMES.length
              ] as ConvCase["activation"];
              const bias = i % 2 === 0;
              i++;
              const name =
                `x [${n},${h},${w},${c}] filter [${kh},${kw},${c},${oc}] stride ${stride} ` +
                `dilation ${dilation} ${pad} ${activation}${bias ? " +bias" : ""}`;
              cases.push({ name, n, h, w, c, kh, kw, oc, stride, dilation, pad, activation, bias });
            }
  return cases;
}

function convInfo(k: ConvCase) {
  return tf.backend_util.computeConv2DInfo(
    [k.n, k.h, k.w, k.c],
    [k.kh, k.kw, k.c, k.oc],
    k.stride,
    k.dilation,
    k.pad,
  );
}

/** graft's conv2d next to tfjs-cpu's fused conv2d on the same data. */
function compareConv2d(k: ConvCase, seed: number): number {
  const info = convInfo(k);
  const x = random(size(info.inShape), seed);
  const w = random(k.kh * k.kw * k.c * k.oc, seed + 1);
  const bias = k.bias ? random(k.oc, seed + 2) : null;
  const y = new Float32Array(size(info.outShape));
  const act = CPU_ACTIVATIONS[k.activation];
  cpu.conv2d(x, w, bias, y, convParams(info), act, 0.15);
  const expected = tf.tidy(() =>
    values(
      tf.fused.conv2d({
        x: tf.tensor4d(x, info.inShape),
        filter: tf.tensor4d(w, [k.kh, k.kw, k.c, k.oc]),
        strides: k.stride,
        pad: k.pad,
        dilations: k.dilation,
        bias: bias ? tf.tensor1d(bias) : undefined,
        activation: k.activation,
        leakyreluAlpha: 0.15,
      }),
    ),
  );
  return relErr(y, expected);
}

/** <a, b> in double. */
function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

describeWithAddon("graft.node cpu kernels", () => {
  describeOneDnn("conv2d (oneDNN) against tfjs-cpu", () => {
    // rel 1e-4: both sum up to 3*3*64 float32 products, in different orders.
    it.each(convCases(true).map((k, i) => [k.name, k, i] as const))("%s", (_name, k, i) => {
      expect(compareConv2d(k, 1000 + i)).toBeLessThan(1e-4);
    });

    it.each(ACTIVATION_NAMES.flatMap((a) => [true, false].map((b) => [a, b] as const)))(
      "activation %s, bias %s, fused as a post-op",
      (activation, bias) => {
        const k: ConvCase = {
          name: "",
          n: 2,
          h: 6,
          w: 5,
          c: 3,
          kh: 3,
          kw: 3,
          oc: 8,
          stride: 1,
          dilation: 1,
          pad: "same",
          activation,
          bias,
        };
        // rel 1e-4 (elu and sigmoid: oneDNN's exp against Math.exp, still well inside).
        expect(compareConv2d(k, 77)).toBeLessThan(1e-4);
      },
    );

    it("takes asymmetric 'same' pads as tfjs computes them", () => {
      // Even kernel, stride 2, odd size: pads [0,1,0,1] style asymmetry.
      const k: ConvCase = {
        name: "",
        n: 1,
        h: 9,
        w: 6,
        c: 4,
        kh: 4,
        kw: 2,
        oc: 6,
        stride: 2,
        dilation: 1,
        pad: "same",
        activation: "linear",
        bias: false,
      };
      const pad = convInfo(k).padInfo;
      expect(pad.top + pad.bottom).toBeGreaterThan(0);
      expect(pad.top === pad.bottom && pad.left === pad.right).toBe(false);
      expect(compareConv2d(k, 5)).toBeLessThan(1e-4); // rel 1e-4
    });
  });

  describeOneDnn("conv2dBackpropInput and conv2dBackpropFilter (oneDNN) against tfjs-cpu", () => {
    // tfjs's backprop kernels take no dilation: the dilated ones are checked below
    // by the adjoint identity instead.
    const cases = convCases(false);
    it.each(cases.map((k, i) => [k.name, k, i] as const))("%s", (_name, k, i) => {
      const info = convInfo(k);
      const x = random(size(info.inShape), 2000 + i);
      const w = random(k.kh * k.kw * k.c * k.oc, 3000 + i);
      const dy = random(size(info.outShape), 4000 + i);
      const p = convParams(info);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      cpu.conv2dBackpropInput(dy, w, dx, p);
      cpu.conv2dBackpropFilter(x, dy, dw, p);
      const [dxRef, dwRef] = tf.tidy(() => {
        const dyT = tf.tensor4d(dy, info.outShape);
        const attrs = { strides: k.stride, pad: k.pad, dataFormat: "NHWC" };
        const dxT = tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropInput,
            { dy: dyT, filter: tf.tensor4d(w, [k.kh, k.kw, k.c, k.oc]) },
            { ...attrs, inputShape: info.inShape },
          ) as tf.Tensor;
        const dwT = tf
          .engine()
          .runKernel(
            tf.Conv2DBackpropFilter,
            { x: tf.tensor4d(x, info.inShape), dy: dyT },
            { ...attrs, filterShape: [k.kh, k.kw, k.c, k.oc] },
          ) as tf.Tensor;
        return [values(dxT), values(dwT)];
      });
      // rel 1e-4 each: sums of up to OC*KH*KW (dx) or N*OH*OW (dw) products.
      expect(relErr(dx, dxRef)).toBeLessThan(1e-4);
      expect(relErr(dw, dwRef)).toBeLessThan(1e-4);
    });

    // <conv(x, w), dy> = <x, dX(dy, w)> = <w, dW(x, dy)>: the backprops are the
    // adjoints of the forward conv, which the sweep above checked against tfjs.
    it.each([
      [1, 1, "same"],
      [2, 1, "same"],
      [2, 1, "valid"],
      [1, 2, "valid"],
      [2, 2, "same"],
    ] as const)(
      "dilation %i, stride %i, %s: the backprops are the forward's adjoints",
      (d, s, pad) => {
        const k: ConvCase = {
          name: "",
          n: 2,
          h: 9,
          w: 8,
          c: 3,
          kh: 3,
          kw: 2,
          oc: 4,
          stride: s,
          dilation: d,
          pad,
          activation: "linear",
          bias: false,
        };
        // computeConv2DInfo accepts strides and dilations together; only tfjs's op refuses.
        const info = convInfo(k);
        const p = convParams(info);
        const x = random(size(info.inShape), 11);
        const w = random(k.kh * k.kw * k.c * k.oc, 12);
        const dy = random(size(info.outShape), 13);
        const y = new Float32Array(dy.length);
        const dx = new Float32Array(x.length);
        const dw = new Float32Array(w.length);
        cpu.conv2d(x, w, null, y, p, 0, 0);
        cpu.conv2dBackpropInput(dy, w, dx, p);
        cpu.conv2dBackpropFilter(x, dy, dw, p);
        const ref = dot(y, dy);
        // rel 1e-5 of the inner product's magnitude.
        expect(Math.abs(dot(x, dx) - ref)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref)));
        expect(Math.abs(dot(w, dw) - ref)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref)));
      },
    );
  });

  describeOneDnn("VGG-sized convolutions (oneDNN picks other kernels for these)", () => {
    // Too large for tfjs-cpu in a test: the forward is checked at sampled outputs
    // against a float64 sum, the backprops as its adjoints.
    it.each([
      [2, 56, 128, 128, 1, "same"],
      [1, 14, 512, 512, 1, "same"],
      [3, 31, 64, 96, 2, "valid"],
    ] as const)("x [%i,%i,%i,%i] -> %i, stride %i, %s", (n, h, c, oc, stride, pad) => {
      const k: ConvCase = {
        name: "",
        n,
        h,
        w: h,
        c,
        kh: 3,
        kw: 3,
        oc,
        stride,
        dilation: 1,
        pad,
        activation: "linear",
        bias: false,
      };
      const info = convInfo(k);
      const p = convParams(info);
      const x = random(size(info.inShape), 51);
      const w = random(9 * c * oc, 52);
      const dy = random(size(info.outShape), 53);
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      cpu.conv2d(x, w, null, y, p, 0, 0);
      cpu.conv2dBackpropInput(dy, w, dx, p);
      cpu.conv2dBackpropFilter(x, dy, dw, p);
      const { outHeight: oh, outWidth: ow } = info;
      const { top, left } = info.padInfo;
      const picks = random(64 * 4, 54, 0, 1);
      let err = 0;
      let scale = 0;
      for (let s = 0; s < 64; s++) {
        const at = (j: number, m: number) => Math.floor((picks[s * 4 + j] as number) * m);
        const [b, r, q, o] = [at(0, n), at(1, oh), at(2, ow), at(3, oc)];
        let ref = 0;
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            const hh = r * stride - top + i;
            const ww = q * stride - left + j;
            if (hh < 0 || hh >= h || ww < 0 || ww >= h) continue;
            for (let ci = 0; ci < c; ci++) {
              ref +=
                (x[((b * h + hh) * h + ww) * c + ci] as number) *
                (w[((i * 3 + j) * c + ci) * oc + o] as number);
            }
          }
        err = Math.max(err, Math.abs(ref - (y[((b * oh + r) * ow + q) * oc + o] as number)));
        scale = Math.max(scale, Math.abs(ref));
      }
      expect(err / scale).toBeLessThan(1e-5); // rel 1e-5 against float64, 9*C <= 4608 terms
      const ref = dot(y, dy);
      // rel 1e-5 of the inner product's magnitude.
      expect(Math.abs(dot(x, dx) - ref)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref)));
      expect(Math.abs(dot(w, dw) - ref)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref)));
    });
  });

  describeOneDnn("matmul (oneDNN) against tfjs-cpu", () => {
    const cases: [
      string,
      number,
      number,
      number,
      number,
      number,
      boolean,
      boolean,
      number,
      boolean,
    ][] = [];
    let i = 0;
    for (const [m, kk, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [16, 33, 9],
    ] as const)
      for (const [ba, bb] of [
        [1, 1],
        [3, 3],
        [1, 3],
        [4, 1],
      ] as const)
        for (const ta of [false, true])
          for (const tb of [false, true]) {
            const act = i % ACTIVATION_NAMES.length;
            const bias = i % 3 !== 0;
            i++;
            cases.push([
              `a [${ba},${m},${kk}]${ta ? "ᵀ" : ""} b [${bb},${kk},${n}]${tb ? "ᵀ" : ""} ${ACTIVATION_NAMES[act]}${bias ? " +bias" : ""}`,
              ba,
              bb,
              m,
              kk,
              n,
              ta,
              tb,
              act,
              bias,
            ]);
          }
    it.each(cases)("%s", (_name, ba, bb, m, k, n, ta, tb, act, withBias) => {
      const aShape = ta ? [ba, k, m] : [ba, m, k];
      const bShape = tb ? [bb, n, k] : [bb, k, n];
      const a = random(size(aShape), m * 100 + k);
      const b = random(size(bShape), n * 100 + k + 1);
      const bias = withBias ? random(n, 9) : null;
      const y = new Float32Array(Math.max(ba, bb) * m * n);
      const p = Int32Array.of(ba, bb, m, k, n, ta ? 1 : 0, tb ? 1 : 0);
      cpu.matmul(a, b, bias, y, p, act, 0.2);
      const expected = tf.tidy(() =>
        values(
          tf.fused.matMul({
            a: tf.tensor(a, aShape),
            b: tf.tensor(b, bShape),
            transposeA: ta,
            transposeB: tb,
            bias: bias ? tf.tensor1d(bias) : undefined,
            activation: ACTIVATION_NAMES[act],
            leakyreluAlpha: 0.2,
          }),
        ),
      );
      expect(relErr(y, expected)).toBeLessThan(1e-5); // rel 1e-5: K <= 33
    });

    it("handles a 2-D dense layer's shapes (batch 1) with K = 0 as an empty sum", () => {
      const y = new Float32Array(6).fill(Number.NaN);
      cpu.matmul(
        new Float32Array(0),
        new Float32Array(0),
        Float32Array.of(1, -2, 3),
        y,
        Int32Array.of(1, 1, 2, 0, 3, 0, 0),
        1,
        0,
      );
      expectSame(y, [1, 0, 3, 1, 0, 3]);
    });
  });

  describe("pool2d, maxPoolGrad, avgPoolGrad (hand-written) against tfjs-cpu", () => {
    const cases: [string, number, number, number, number, number, number, "same" | "valid"][] = [];
    for (const n of [1, 2, 4])
      for (const c of [1, 3, 64])
        for (const [h, w] of [
          [7, 9],
          [8, 8],
        ] as const)
          for (const [f, s] of [
            [2, 2],
            [3, 2],
            [3, 1],
            [2, 3],
          ] as const)
            for (const pad of ["same", "valid"] as const) {
              if (n === 4 && c !== 3) continue;
              cases.push([
                `x [${n},${h},${w},${c}] window ${f} stride ${s} ${pad}`,
                n,
                h,
                w,
                c,
                f,
                s,
                pad,
              ]);
            }

    it.each(cases)("%s", (_name, n, h, w, c, f, s, pad) => {
      const info = tf.backend_util.computePool2DInfo([n, h, w, c], f, s, 1, pad);
      const p = poolParams(info);
      // Integer-valued x: many ties, which maxPoolGrad must break as tfjs does.
      const x = ties(size(info.inShape), n * 1000 + h * 10 + c);
      const xr = random(x.length, 5);
      const dy = random(size(info.outShape), 7);
      const maxY = new Float32Array(dy.length);
      const avgY = new Float32Array(dy.length);
      const maxDx = new Float32Array(x.length);
      const avgDx = new Float32Array(x.length);
      cpu.pool2d(x, maxY, p, 0);
      cpu.pool2d(xr, avgY, p, 1);
      cpu.maxPoolGrad(dy, x, maxDx, p);
      cpu.avgPoolGrad(dy, avgDx, p);
      const ref = tf.tidy(() => {
        const xT = tf.tensor4d(x, info.inShape);
        const xrT = tf.tensor4d(xr, info.inShape);
        const dyT = tf.tensor4d(dy, info.outShape);
        const maxT = tf.maxPool(xT, f, s, pad);
        const attrs = { filterSize: f, strides: s, pad };
        return {
          max: values(maxT),
          avg: values(tf.avgPool(xrT, f, s, pad)),
          maxDx: values(
            tf
              .engine()
              .runKernel(tf.MaxPoolGrad, { dy: dyT, input: xT, output: maxT }, attrs) as tf.Tensor,
          ),
          avgDx: values(
            tf.engine().runKernel(tf.AvgPoolGrad, { dy: dyT, input: xT }, attrs) as tf.Tensor,
          ),
        };
      });
      expectSame(maxY, ref.max); // exact: a max picks one of the values
      expect(relErr(avgY, ref.avg)).toBeLessThan(1e-6); // rel 1e-6: float32 vs double sums of <= 9
      // rel 1e-6: exact but for overlapping windows, summed in float32 here, double in tfjs.
      expect(relErr(maxDx, ref.maxDx)).toBeLessThan(1e-6);
      expect(relErr(avgDx, ref.avgDx)).toBeLessThan(1e-6);
    });

    it("max pooling ignores NaN and finds no winner in a window of -Infinity, as tfjs does", () => {
      const info = tf.backend_util.computePool2DInfo([1, 4, 4, 1], 2, 2, 1, "valid");
      // biome-ignore format: a 4x4 image
      const x = Float32Array.from([
        Number.NaN, 1, -Infinity, -Infinity,
        2, Number.NaN, -Infinity, -Infinity,
        Number.NaN, Number.NaN, 3, 3,
        Number.NaN, Number.NaN, 3, 3,
      ]);
      const y = new Float32Array(4);
      const dx = new Float32Array(16);
      const dy = Float32Array.of(10, 20, 30, 40);
      cpu.pool2d(x, y, poolParams(info), 0);
      cpu.maxPoolGrad(dy, x, dx, poolParams(info));
      const ref = tf.tidy(() => {
        const xT = tf.tensor4d(x, [1, 4, 4, 1]);
        const out = tf.maxPool(xT, 2, 2, "valid");
        const attrs = { filterSize: 2, strides: 2, pad: "valid" };
        const g = tf
          .engine()
          .runKernel(
            tf.MaxPoolGrad,
            { dy: tf.tensor4d(dy, [1, 2, 2, 1]), input: xT, output: out },
            attrs,
          ) as tf.Tensor;
        return { y: values(out), dx: values(g) };
      });
      expectSame(y, ref.y);
      expectSame(dx, ref.dx);
      expectSame(y, [2, -Infinity, -Infinity, 3]);
    });
  });

  describe("elementwise kernels (hand-written) against tfjs-cpu", () => {
    const special = Float32Array.of(Number.NaN, -0, 0, Infinity, -Infinity, 1e-30, -1e-30, 3.5, -2);
    const xs = new Float32Array([...special, ...random(100_003, 21, -5, 5)]);

    it("relu: exact (NaN stays NaN, -0 becomes 0)", () => {
      const y = new Float32Array(xs.length);
      cpu.relu(xs, y);
      expectSame(
        y,
        tf.tidy(() => values(tf.relu(tf.tensor1d(xs)))),
      );
    });

    it.each([0, 0.3])("step with alpha %f: exact, NaN stays NaN", (alpha) => {
      const y = new Float32Array(xs.length);
      cpu.step(xs, y, alpha);
      expectSame(
        y,
        tf.tidy(() => values(tf.step(tf.tensor1d(xs), alpha))),
      );
    });

    it.each([
      [1, 1],
      [7, 3],
      [64, 1000],
      [3, 100_000],
    ])("softmax over [%i, %i]", (rows, cols) => {
      const x = random(rows * cols, rows + cols, -20, 20);
      const y = new Float32Array(x.length);
      cpu.softmax(x, y, rows, cols);
      const ref = tf.tidy(() => values(tf.softmax(tf.tensor2d(x, [rows, cols]))));
      expect(relErr(y, ref)).toBeLessThan(1e-6); // rel 1e-6: expf against Math.exp
    });

    it("softmax keeps NaN and handles -Infinity like tfjs", () => {
      const x = Float32Array.of(1, Number.NaN, 2, -Infinity, 0, 1, -Infinity, -Infinity, 5);
      const y = new Float32Array(9);
      cpu.softmax(x, y, 3, 3);
      const ref = tf.tidy(() => values(tf.softmax(tf.tensor2d(x, [3, 3]))));
      expect(relErr(y, ref)).toBeLessThan(1e-6);
    });

    const ops = ["add", "sub", "mul", "div"] as const;
    const modes = ["full", "scalar", "row"] as const;
    const binaryCases = ops.flatMap((op, o) =>
      modes.flatMap((am, a) => modes.map((bm, b) => [`${op} ${am}/${bm}`, o, a, b] as const)),
    );
    it.each(binaryCases)("binary %s: exact", (_name, op, aMode, bMode) => {
      for (const [outer, inner] of [
        [5, 7],
        [1, 1],
        [300, 257],
      ] as const) {
        const total = outer * inner;
        const shapeOf = (mode: number) => (mode === 0 ? [outer, inner] : mode === 1 ? [] : [inner]);
        const aShape = shapeOf(aMode);
        const bShape = shapeOf(bMode);
        const a = random(size(aShape), 31 + op, -3, 3);
        // b away from zero, so that div compares finite quotients (and one exact 0 checks x/0).
        const b = random(size(bShape), 41 + op, 0.5, 3);
        if (op === 3 && b.length > 3) b[2] = 0;
        const y = new Float32Array(total);
        cpu.binary(op, a, b, y, outer, inner, aMode, bMode);
        const expected = tf.tidy(() => {
          const f = [tf.add, tf.sub, tf.mul, tf.div][op] as (
            x: tf.Tensor,
            y: tf.Tensor,
          ) => tf.Tensor;
          return values(
            tf.broadcastTo(f(tf.tensor(a, aShape), tf.tensor(b, bShape)), [outer, inner]),
          );
        });
        // +,-,*,/ of two float32 in double, rounded to float32, is the float32 result: same bits.
        expectSame(y, expected);
      }
    });

    it.each([
      [1, 5],
      [401_408, 64],
      [25_088, 512],
      [3, 100_000],
      [1000, 1],
    ])("sumRows over [%i, %i]", (rows, cols) => {
      const x = random(rows * cols, rows % 97, -1, 1);
      const y = new Float32Array(cols);
      cpu.sumRows(x, y, rows, cols);
      const ref = tf.tidy(() => values(tf.sum(tf.tensor2d(x, [rows, cols]), 0)));
      // Both sum in double and round once; only the order differs (per-thread bands):
      // rel 1e-6 elementwise, +1e-6 absolute for sums that cancel to near zero.
      for (let c = 0; c < cols; c++) {
        expect(Math.abs((y[c] as number) - (ref[c] as number))).toBeLessThanOrEqual(
          1e-6 * Math.abs(ref[c] as number) + 1e-6,
        );
      }
    });

    it("addN: exact, in tfjs's order", () => {
      const inputs = [1, 2, 3, 4].map((s) => random(70_001, s, -1e3, 1e3));
      const y = new Float32Array(70_001);
      cpu.addN(inputs, y);
      expectSame(
        y,
        tf.tidy(() => values(tf.addN(inputs.map((t) => tf.tensor1d(t))))),
      );
      const one = new Float32Array(3);
      cpu.addN([Float32Array.of(1, 2, 3)], one);
      expectSame(one, [1, 2, 3]);
    });

    it.each([false, true])(
      "momentumUpdate (nesterov %s): exact, as tfjs's MomentumOptimizer ops",
      (nesterov) => {
        const n = 70_001;
        const [v, a, g] = [1, 2, 3].map((s) => random(n, s, -10, 10)) as [
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        const nv = new Float32Array(n);
        const na = new Float32Array(n);
        const [m, c] = [Math.fround(0.9), Math.fround(-0.01)];
        cpu.momentumUpdate(v, a, g, nv, na, m, c, nesterov);
        // tfjs's own sequence (momentum_optimizer.ts), float32 op by op.
        const [refV, refA] = tf.tidy(() => {
          const [tv, ta, tg] = [v, a, g].map((t) => tf.tensor1d(t)) as tf.Tensor[];
          const [tm, tc] = [tf.scalar(m), tf.scalar(c)];
          const acc = tf.add(tf.mul(tm, ta as tf.Tensor), tg as tf.Tensor);
          const step = nesterov ? tf.add(tg as tf.Tensor, tf.mul(acc, tm)) : acc;
          return [values(tf.add(tf.mul(tc, step), tv as tf.Tensor)), values(acc)];
        });
        expectSame(na, refA);
        expectSame(nv, refV);
        expect(() => cpu.momentumUpdate(v, a, g.subarray(1), nv, na, m, c, nesterov)).toThrow(
          /momentumUpdate: grad has 70000 elements, expected 70001/,
        );
      },
    );
  });

  describe("threads", () => {
    it("defaults to every core, and setNumThreads changes it", () => {
      const before = cpu.numThreads();
      expect(before).toBe(capabilities().threads);
      try {
        cpu.setNumThreads(1);
        expect(cpu.numThreads()).toBe(1);
        expect(cpu.cpuStats().threadsNote).toBe("setNumThreads(1)");
      } finally {
        cpu.setNumThreads(before);
      }
    });

    it("gives the same results on one thread as on all", () => {
      const all = cpu.numThreads();
      const x = random(3 * 50 * 50 * 16, 3);
      const p = Int32Array.of(3, 50, 50, 16, 3, 3, 25, 25, 2, 2, 0, 0, 1, 1);
      const run = () => {
        const y = new Float32Array(3 * 25 * 25 * 16);
        const dx = new Float32Array(x.length);
        const s = new Float32Array(16);
        cpu.pool2d(x, y, p, 0);
        cpu.maxPoolGrad(y, x, dx, p);
        cpu.sumRows(x, s, x.length / 16, 16);
        return [y, dx, s];
      };
      const many = run();
      cpu.setNumThreads(1);
      try {
        const one = run();
        for (let i = 0; i < 2; i++) expectSame(one[i] as Float32Array, many[i] as Float32Array);
        // The row sum splits rows per thread: equal up to double rounding.
        expect(relErr(one[2] as Float32Array, many[2] as Float32Array)).toBeLessThan(1e-7);
      } finally {
        cpu.setNumThreads(all);
      }
    });

    const child = (env: Record<string, string>) => {
      const script =
        `const c = require(${JSON.stringify(DEFAULT_ADDON_PATH)}).cpu;` +
        "console.log(JSON.stringify([c.numThreads(), c.cpuStats().threadsNote]))";
      const r = spawnSync(process.execPath, ["-e", script], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as [number, string];
    };

    it("reads GRAFT_NUM_THREADS when the addon loads", () => {
      expect(child({ GRAFT_NUM_THREADS: "1" })).toEqual([1, "GRAFT_NUM_THREADS=1"]);
    });

    it("ignores a GRAFT_NUM_THREADS that is not a positive integer, and says so", () => {
      const [threads, note] = child({ GRAFT_NUM_THREADS: "many" });
      expect(threads).toBe(capabilities().threads);
      expect(note).toMatch(/GRAFT_NUM_THREADS='many' is not a positive integer, ignored/);
    });
  });

  describeOneDnn("caches (oneDNN)", () => {
    const info = tf.backend_util.computeConv2DInfo([2, 12, 12, 32], [3, 3, 32, 48], 1, 1, "same");
    const p = convParams(info);
    const x = random(size(info.inShape), 1);
    const w = random(3 * 3 * 32 * 48, 2);
    const conv = (weights: Float32Array, key?: number) => {
      const y = new Float32Array(size(info.outShape));
      cpu.conv2d(x, weights, null, y, p, 1, 0, key);
      return y;
    };

    it("caches one primitive per shape and attributes, and clearCaches frees everything", () => {
      cpu.clearCaches();
      expect(cpu.cpuStats()).toMatchObject({ primitiveCacheEntries: 0, bytes: 0 });
      conv(w);
      const first = cpu.cpuStats();
      expect(first.primitiveCacheEntries).toBe(1);
      expect(first.scratchpadBytes + first.tempBytes).toBe(first.bytes);
      conv(w);
      const second = cpu.cpuStats();
      expect(second.primitiveCacheEntries).toBe(1);
      expect(second.primitiveCacheHits).toBe(first.primitiveCacheHits + 1);
      const y = new Float32Array(size(info.outShape));
      cpu.conv2d(x, w, null, y, p, 2, 0); // another activation: another primitive
      expect(cpu.cpuStats().primitiveCacheEntries).toBe(2);
      cpu.clearCaches();
      expect(cpu.cpuStats()).toMatchObject({
        primitiveCacheEntries: 0,
        scratchpadBytes: 0,
        tempBytes: 0,
        weightsCacheEntries: 0,
        bytes: 0,
      });
    });

    it("keeps reordered filters under a weightsKey from their second use, until released", () => {
      cpu.clearCaches();
      const plain = conv(w);
      expectSame(conv(w, 42), plain);
      expect(cpu.cpuStats().weightsCacheEntries).toBe(0); // first use: nothing kept
      expectSame(conv(w, 42), plain);
      const kept = cpu.cpuStats();
      expect(kept.weightsCacheEntries).toBe(1);
      expect(kept.weightsCacheBytes).toBeGreaterThanOrEqual(w.byteLength);
      expectSame(conv(w, 42), plain); // from the cache
      // Another buffer under the same key (a TS bug) is not served stale weights.
      const w2 = random(w.length, 3);
      expectSame(conv(w2, 42), conv(w2));
      expect(cpu.releaseWeights(42)).toBe(true);
      expect(cpu.releaseWeights(42)).toBe(false);
      expect(cpu.cpuStats().weightsCacheEntries).toBe(0);
      // 0 is a key like any other (tfjs-cpu's first dataId); -1 means no caching.
      conv(w, 0);
      conv(w, 0);
      conv(w, -1);
      conv(w, -1);
      expect(cpu.cpuStats().weightsCacheEntries).toBe(1);
      expect(cpu.releaseWeights(0)).toBe(true);
      expect(cpu.releaseWeights(-1)).toBe(false);
    });
  });

  describe("errors", () => {
    it("a oneDNN failure carries ERR_GRAFT_ONEDNN with the op and the shapes", () => {
      // y's shape does not follow from x's: oneDNN refuses the descriptor.
      const p = Int32Array.of(1, 8, 8, 1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
      const call = () =>
        cpu.conv2d(new Float32Array(64), new Float32Array(9), null, new Float32Array(4), p, 0, 0);
      if (onednn) {
        expect(call).toThrow(
          expect.objectContaining({
            code: "ERR_GRAFT_ONEDNN",
            message: expect.stringMatching(
              /^conv2d \(x \[1,8,8,1\], filter \[3,3,1,1\], y \[1,2,2,1\].*\): /,
            ),
          }),
        );
      } else {
        expect(call).toThrow(expect.objectContaining({ code: "ERR_GRAFT_UNAVAILABLE" }));
      }
    });

    it("a length that disagrees with p is ERR_GRAFT_INTERNAL, not a write past the end", () => {
      const long = Int32Array.of(1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0);
      expect(() => cpu.pool2d(new Float32Array(32), new Float32Array(8), long, 0)).toThrow(
        expect.objectContaining({
          code: "ERR_GRAFT_INTERNAL",
          message: "pool2d: p has 15 entries, expected 14",
        }),
      );
      const q = Int32Array.of(1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0);
      expect(() => cpu.pool2d(new Float32Array(32), new Float32Array(3), q, 0)).toThrow(
        expect.objectContaining({
          code: "ERR_GRAFT_INTERNAL",
          message: expect.stringContaining("y has 3 elements, expected 8"),
        }),
      );
      const bytes = new Uint8Array(32) as unknown as Float32Array; // 32 bytes, not 32 floats
      expect(() => cpu.relu(bytes, new Float32Array(32))).toThrow(
        expect.objectContaining({
          code: "ERR_GRAFT_INTERNAL",
          message: "argument 0 must be a Float32Array",
        }),
      );
      expect(() => cpu.relu({} as Float32Array, new Float32Array(1))).toThrow(
        expect.objectContaining({ code: "ERR_GRAFT_INTERNAL" }),
      );
      const zeroStride = Int32Array.of(1, 4, 4, 2, 2, 2, 2, 2, 0, 2, 0, 0, 0, 0);
      expect(() => cpu.avgPoolGrad(new Float32Array(8), new Float32Array(32), zeroStride)).toThrow(
        expect.objectContaining({ code: "ERR_GRAFT_INTERNAL" }),
      );
    });

    it.skipIf(onednn)("without oneDNN, conv2d* and matmul throw ERR_GRAFT_UNAVAILABLE", () => {
      const unavailable = expect.objectContaining({ code: "ERR_GRAFT_UNAVAILABLE" });
      const z = new Float32Array(1);
      const p = Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0);
      expect(() => cpu.conv2d(z, z, null, z, p, 0, 0)).toThrow(unavailable);
      expect(() => cpu.conv2dBackpropInput(z, z, z, p)).toThrow(unavailable);
      expect(() => cpu.conv2dBackpropFilter(z, z, z, p)).toThrow(unavailable);
      expect(() => cpu.matmul(z, z, null, z, Int32Array.of(1, 1, 1, 1, 1, 0, 0), 0, 0)).toThrow(
        unavailable,
      );
      expect(cpu.cpuStats()).toMatchObject({ primitiveCacheEntries: 0, bytes: 0 });
    });
  });
});
