/**
 * fuseConvBiasRelu: Conv2D(relu) layers train as one FusedConv2D kernel, with the
 * unfused layers' outputs, gradients and losses, on tfjs-cpu and on graft-cpu
 * (whose ReluGrad kernel the gradient uses).
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { relErr } from "@graft/test-fixtures/compare";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { buildVGG, fuseConvBiasRelu } from "../src/index.ts";

/** Odd sizes, strides 1 and 2, same and valid, a 1x1, then a linear conv (not fused here). */
function network(): tfl.LayersModel {
  const input = tfl.input({ shape: [9, 9, 3] });
  const layers = [
    tfl.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      name: "c1",
    }),
    tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, activation: "relu", name: "c2" }),
    tfl.layers.conv2d({ filters: 6, kernelSize: 1, activation: "relu", name: "c3" }),
    tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: "linear", name: "linear" }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 3, activation: "softmax", name: "out" }),
  ];
  const y = layers.reduce<tfl.SymbolicTensor>((t, l) => l.apply(t) as tfl.SymbolicTensor, input);
  return tfl.model({ inputs: input, outputs: y });
}

/** The same network twice with the same weights: fused, and as tfjs-layers runs it. */
function pair(): { fused: tfl.LayersModel; plain: tfl.LayersModel; count: number } {
  const fused = network();
  const plain = network();
  plain.setWeights(fused.getWeights());
  return { fused, plain, count: fuseConvBiasRelu(fused) };
}

/** The loss and its gradients for the model's trainable weights, as fit() takes them. */
function lossGrads(m: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  return tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor),
    m.trainableWeights.map((w) => w.read() as tf.Variable),
  );
}

/** Kernel names run by `f`, with repeats. */
async function kernelsOf(f: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(() => {
    const out = f();
    return out as tf.Tensor;
  });
  return info.kernels.map((k) => k.name);
}

const count = (names: string[], k: string) => names.filter((n) => n === k).length;

describe.each(["cpu", "graft-cpu"])("fuseConvBiasRelu on %s", (backend) => {
  it("fuses the relu convs with a bias, NHWC, dilation 1, once; leaves the others", async () => {
    await tf.setBackend(backend);
    const { fused, count: n } = pair();
    expect(n).toBe(3);
    expect(fuseConvBiasRelu(fused)).toBe(0);
    const input = tfl.input({ shape: [8, 8, 2] });
    const others = [
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, dilationRate: 2, activation: "relu" }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, useBias: false, activation: "relu" }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 2, activation: "sigmoid" }),
    ];
    const out = others.reduce<tfl.SymbolicTensor>(
      (t, l) => l.apply(t) as tfl.SymbolicTensor,
      input,
    );
    expect(fuseConvBiasRelu(tfl.model({ inputs: input, outputs: out }))).toBe(0);
  });

  it("gives the unfused outputs and gradients, with FusedConv2D instead of Conv2D, Add, Relu", async () => {
    await tf.setBackend(backend);
    const { fused, plain } = pair();
    const x = tf.randomUniform([2, 9, 9, 3], -1, 1, "float32", 7);
    const y = tf.oneHot(tf.tensor1d([0, 2], "int32"), 3);
    // Tolerance: same kernels summed in the same order, so differences are float rounding only.
    const outF = (fused.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const outP = (plain.predict(x) as tf.Tensor).dataSync() as Float32Array;
    expect(relErr(outF, outP)).toBeLessThan(1e-6);

    const gf = lossGrads(fused, x, y);
    const gp = lossGrads(plain, x, y);
    expect(Object.keys(gf.grads).length).toBe(10);
    fused.trainableWeights.forEach((w, i) => {
      const a = gf.grads[w.name]?.dataSync() as Float32Array;
      const b = gp.grads[plain.trainableWeights[i]?.name ?? ""]?.dataSync() as Float32Array;
      expect(relErr(a, b), w.name).toBeLessThan(1e-5);
    });

    const kf = await kernelsOf(() => lossGrads(fused, x, y).value);
    const kp = await kernelsOf(() => lossGrads(plain, x, y).value);
    // tfjs fuses the linear conv itself (FusedConv2D in both); relu convs only when fused here.
    expect(count(kf, "FusedConv2D") - count(kp, "FusedConv2D")).toBe(3);
    expect(count(kf, "Relu")).toBe(0);
    expect(count(kf, "Conv2D")).toBe(0);
    expect(count(kp, "Relu")).toBe(3);
    expect(count(kp, "Conv2D")).toBe(3);
    // Relu's gradient goes through the registered one in both (ReluGrad on graft-cpu).
    expect(count(kf, "ReluGrad")).toBe(count(kp, "ReluGrad"));
    expect(count(kf, "ReluGrad")).toBe(backend === "graft-cpu" ? 3 : 0);
  });

  it("computes only the gradients the tape needs: none for a frozen layer's input", async () => {
    await tf.setBackend(backend);
    const { fused } = pair();
    const x = tf.randomUniform([2, 9, 9, 3], -1, 1, "float32", 3);
    const y = tf.oneHot(tf.tensor1d([1, 2], "int32"), 3);
    const all = await kernelsOf(() => lossGrads(fused, x, y).value);
    // The image needs no gradient: c1 backprops its filter, never its input (c2, c3
    // and the linear conv backprop both).
    expect(count(all, "Conv2DBackpropInput")).toBe(3);
    expect(count(all, "Conv2DBackpropFilter")).toBe(4);
    // c1 frozen: neither its filter nor c2's input gradient is computed.
    fused.getLayer("c1").trainable = false;
    const frozen = await kernelsOf(() => lossGrads(fused, x, y).value);
    expect(count(frozen, "Conv2DBackpropInput")).toBe(2);
    expect(count(frozen, "Conv2DBackpropFilter")).toBe(3);
  });

  it("trains to the unfused losses and saves the same Keras config", async () => {
    await tf.setBackend(backend);
    const { fused, plain } = pair();
    const x = tf.randomUniform([12, 9, 9, 3], -1, 1, "float32", 11);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], "int32"), 3);
    const losses: number[][] = [];
    for (const m of [fused, plain]) {
      m.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: "categoricalCrossentropy" });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      losses.push(h.history.loss as number[]);
    }
    expect(losses[0]?.length).toBe(3);
    // Relative 1e-5: three epochs of float rounding differences, as the backend tests allow.
    for (let e = 0; e < 3; e++) {
      const [a, b] = [losses[0]?.[e] as number, losses[1]?.[e] as number];
      expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(1e-5);
    }
    // What a saved model says of the fused layers is what it says of the plain ones.
    for (const name of ["c1", "c2", "c3"]) {
      const [a, b] = [fused.getLayer(name), plain.getLayer(name)];
      expect(a.getClassName()).toBe("Conv2D");
      expect(a.getConfig()).toEqual(b.getConfig());
    }
  });

  it("buildVGG's networks train with fused convolutions", async () => {
    await tf.setBackend(backend);
    const m = buildVGG("vgg16", {
      includeTop: false,
      blockFilters: [2, 2, 2, 2, 2],
      inputShape: [32, 32, 3],
      weights: null,
    });
    const x = tf.randomUniform([1, 32, 32, 3]);
    const names = await kernelsOf(() =>
      tf.grad((t: tf.Tensor) => tf.sum(m.apply(t) as tf.Tensor))(x),
    );
    expect(count(names, "FusedConv2D")).toBe(13);
    expect(count(names, "Relu")).toBe(0);
  });
});
