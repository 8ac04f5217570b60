/**
 * What the backend tests share: deterministic data, running one function on two
 * backends, the error measures, and the small VGG-shaped network they train.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";

/** A convolution test case: NHWC input, k x k filter to oc channels, stride, padding, dilation. */
export interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  k: number;
  s: number;
  pad: "same" | "valid";
  d: number;
}

/**
 * The kernels graft-cpu runs natively (ts/cpu/kernels) that the conformance suite
 * counts: each call it makes of these must be counted native, none a fallback.
 */
export const GRAFT_CPU_NATIVE = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNative",
  "DepthwiseConv2dNativeBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter",
  "MaxPool",
  "AvgPool",
  "MaxPoolGrad",
  "AvgPoolGrad",
  "BatchMatMul",
  "_FusedMatMul",
  "Softmax",
  "ReluGrad",
  "Sum",
  "MomentumUpdate",
  "FusedBatchNorm",
  "PadV2",
  "Tile",
  "Mean",
  "Square",
  "Slice",
  "ClipByValue",
  "ClipByValueGrad",
  "Relu6",
  "Sigmoid",
  "SplitV",
] as const;

/** CI=true (or 1): a test that cannot run here fails instead of skipping. */
export const inCI = !["", "0", "false"].includes((process.env.CI ?? "").trim().toLowerCase());

/** Deterministic pseudo-random data in [-1, 1). */
export function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** A maker of a tensor of `data(size, seed)`, to call inside each backend's tidy. */
export function rand(shape: number[], seed: number): () => tf.Tensor {
  const d = data(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  return () => tf.tensor(d, shape);
}

export type Values = Float32Array | Int32Array | Uint8Array;

/** fn's outputs on `backend`, read back and disposed. */
export async function valuesOn(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Values[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const values = await Promise.all(list.map((t) => t.data() as Promise<Values>));
  tf.dispose(list);
  return values;
}

/** fn on tfjs-cpu (the reference), then on `backend`. */
export async function onBoth(
  backend: string,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<[Values[], Values[]]> {
  return [await valuesOn("cpu", fn), await valuesOn(backend, fn)];
}

/** max |a − b| / max(1, max |a|): relative to the output's scale, absolute near zero; NaNs must match. */
export function relDiff(a: Values, b: Values): number {
  expect(b.length).toBe(a.length);
  let d = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Number.POSITIVE_INFINITY;
      continue;
    }
    if (x === y) continue;
    d = Math.max(d, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(x));
  }
  return d / scale;
}

/** max|a − e| / max|e|, the normwise relative error against `expected`; NaN must meet NaN. */
export function relErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (Number.isNaN(a) !== Number.isNaN(e)) return Number.POSITIVE_INFINITY;
      continue;
    }
    if (a === e) continue; // also equal infinities
    err = Math.max(err, Math.abs(a - e));
    scale = Math.max(scale, Math.abs(e));
  }
  if (err === 0) return 0;
  for (const e of Array.from(expected))
    if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
  return err / Math.max(scale, Number.MIN_VALUE);
}

/**
 * Conv-relu ×2, pool, conv, pool, flatten, dense-relu, dropout (seeded),
 * dense-softmax on 16x16x3 inputs, glorot-initialised from fixed seeds; `filters`
 * are the three convolutions' widths.
 */
export function vggShaped(
  filters: readonly [number, number, number] = [8, 8, 16],
): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const conv = (i: number, name: string, inputShape?: number[]) =>
    tfl.layers.conv2d({
      ...(inputShape ? { inputShape } : {}),
      filters: filters[i] as number,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      kernelInitializer: init(i + 1),
      name,
    });
  const m = tfl.sequential();
  m.add(conv(0, "block1_conv1", [16, 16, 3]));
  m.add(conv(1, "block1_conv2"));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: "block1_pool" }));
  m.add(conv(2, "block2_conv1"));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2, name: "block2_pool" }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 32, activation: "relu", kernelInitializer: init(4) }));
  m.add(tfl.layers.dropout({ rate: 0.5, seed: 7 }));
  m.add(tfl.layers.dense({ units: 4, activation: "softmax", kernelInitializer: init(5) }));
  return m;
}
