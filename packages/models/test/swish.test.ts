/**
 * graft's `swish` (src/swish.ts), which replaces tfjs-layers' under its class name: the same
 * values bit for bit, and the gradient of tfjs-layers' formula to float32 rounding, on
 * tfjs-cpu and graft-cpu, saturated and near zero.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { relErr } from "@graft/test-fixtures/compare";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import { FastSwish } from "../src/index.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

/** tfjs-layers' own swish: sigmoid(x · alpha) · x. */
const reference = (x: tf.Tensor, alpha = 1) => tf.mul(tf.sigmoid(tf.mul(x, alpha)), x);

const values = () => {
  const v = Array.from({ length: 997 }, (_, i) => (i - 498) / 16);
  return tf.tensor1d([...v, -90, -30, -1e-7, 0, 1e-7, 30, 90]);
};

it("activation: 'swish' resolves to graft's, in layers and in the Conv2D they build", () => {
  const act = tfl.layers.activation({ activation: "swish" });
  const conv = tfl.layers.conv2d({ filters: 1, kernelSize: 1, activation: "swish" });
  expect((act as unknown as { activation: unknown }).activation).toBeInstanceOf(FastSwish);
  expect((conv as unknown as { activation: unknown }).activation).toBeInstanceOf(FastSwish);
  expect(act.getConfig().activation).toBe("swish");
});

describe.each(["cpu", "graft-cpu"])("on %s", (backend) => {
  it("the values are tfjs-layers' bit for bit; alpha ≠ 1 keeps tfjs-layers' formula", async () => {
    await tf.setBackend(backend);
    const x = values();
    const swish = new FastSwish();
    const got = swish.apply(x);
    expect(Array.from(got.dataSync())).toEqual(Array.from(reference(x).dataSync()));
    const half = swish.apply(x, 0.5);
    expect(Array.from(half.dataSync())).toEqual(Array.from(reference(x, 0.5).dataSync()));
    tf.dispose([x, got, half]);
  });

  it("the gradient is tfjs-layers' formula's", async () => {
    await tf.setBackend(backend);
    const x = values();
    const dy = tf.sin(tf.mul(x, 3));
    const swish = new FastSwish();
    const got = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(swish.apply(t), dy)))(x);
    const want = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), dy)))(x);
    expect(relErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-6);
    expect(Array.from(got.dataSync()).every(Number.isFinite)).toBe(true);
    // At 0 the slope is sigmoid(0) = 1/2.
    const at0 = tf.grad((t: tf.Tensor) => tf.sum(swish.apply(t)))(tf.tensor1d([0]));
    expect(at0.dataSync()[0]).toBe(0.5);
    tf.dispose([x, dy, got, want, at0]);
  });
});
