/**
 * foldBatchNorm: a ResNet's Conv2D → BatchNormalization → relu chains run as one FusedConv2D
 * wherever the BatchNormalization is in inference mode, with the unfolded network's results
 * (to float32 rounding) — in predict, in training with frozen BatchNormalization (outputs and
 * gradients), after the weights change, and not at all where BatchNormalization trains.
 * The unfolded twin is the same model rebuilt from its JSON (plain tfjs-layers layers) with
 * the same weights. On tfjs-cpu and graft-cpu.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { fixture } from "@graft/test-fixtures";
import { relErr } from "@graft/test-fixtures/compare";
import { readNpyFloat32 } from "@graft/test-fixtures/npy";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import { cutAt, ResNet, type ResNetVariant } from "../src/index.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

async function pair(variant: ResNetVariant, key: string) {
  const model = await ResNet(variant, {
    stacks: [
      [4, 2],
      [8, 2],
    ],
    inputShape: [32, 32, 3],
    classes: 5,
    weights: fixture("applications", `${key}.h5`),
  });
  const twin = await tfl.models.modelFromJSON({
    modelTopology: model.toJSON(null, false) as tf.io.ModelJSON["modelTopology"],
  });
  twin.setWeights(model.getWeights());
  return { model, twin };
}

function input(): tf.Tensor {
  const raw = readNpyFloat32(fixture("applications", "resnet_tiny_v1.preprocessed.npy"));
  return tf.tensor(raw.data, raw.shape);
}

/** The kernels fn runs, by name, with their counts. */
async function kernels(fn: () => tf.Tensor | tf.Tensor[]): Promise<Record<string, number>> {
  const p = await tf.profile(() => fn());
  tf.dispose(p.result as tf.Tensor | tf.Tensor[]);
  const counts: Record<string, number> = {};
  for (const k of p.kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
  return counts;
}

const TINY = [
  ["resnet50", "resnet_tiny_v1"],
  ["resnet50v2", "resnet_tiny_v2"],
] as const;

describe.each(["cpu", "graft-cpu"])("foldBatchNorm on %s", (backend) => {
  for (const [variant, key] of TINY) {
    it(`${variant}: predict folds every BN and matches the unfolded twin`, async () => {
      await tf.setBackend(backend);
      const { model, twin } = await pair(variant, key);
      const x = input();
      const folded = await kernels(() => model.predict(x) as tf.Tensor);
      const plain = await kernels(() => twin.predict(x) as tf.Tensor);
      // v1 folds every BN (each follows a conv): 15 of them here. v2 keeps its four blocks'
      // pre-activation BNs and post_bn, which follow an Add or a pool, and folds the other 8.
      expect(plain.FusedBatchNorm).toBe(variant === "resnet50" ? 15 : 13);
      expect(folded.FusedBatchNorm ?? 0).toBe(variant === "resnet50" ? 0 : 5);
      const a = (model.predict(x) as tf.Tensor).dataSync();
      const b = (twin.predict(x) as tf.Tensor).dataSync();
      expect(relErr(a, b)).toBeLessThan(1e-5);
      model.dispose();
      twin.dispose();
      x.dispose();
    });
  }

  it("frozen BN in training: same loss and gradients as the unfolded twin, no FusedBatchNorm", async () => {
    await tf.setBackend(backend);
    const { model, twin } = await pair("resnet50", "resnet_tiny_v1");
    for (const m of [model, twin])
      for (const l of m.layers) if (l.getClassName() === "BatchNormalization") l.trainable = false;
    const x = input();
    const y = tf.oneHot(tf.tensor1d([1, 3], "int32"), 5);
    const lossOf = (m: tfl.LayersModel) => () =>
      tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
    const run = (m: tfl.LayersModel) => tf.variableGrads(lossOf(m));
    const counted = await kernels(() => {
      const g = run(model);
      return [g.value, ...Object.values(g.grads)];
    });
    expect(counted.FusedBatchNorm ?? 0).toBe(0);
    const ga = run(model);
    const gb = run(twin);
    expect(relErr(ga.value.dataSync(), gb.value.dataSync())).toBeLessThan(1e-5);
    const names = Object.keys(gb.grads);
    expect(Object.keys(ga.grads).length).toBe(names.length);
    // Variables are named per model instance; pair them by position (same weights order).
    const va = model.trainableWeights.map((w) => ga.grads[(w.read() as tf.Variable).name]);
    const vb = twin.trainableWeights.map((w) => gb.grads[(w.read() as tf.Variable).name]);
    expect(va.length).toBeGreaterThan(20);
    va.forEach((g, i) => {
      expect(
        relErr((g as tf.Tensor).dataSync(), (vb[i] as tf.Tensor).dataSync()),
        model.trainableWeights[i]?.name,
      ).toBeLessThan(1e-4);
    });
    model.dispose();
    twin.dispose();
    tf.dispose([x, y]);
  });

  it("sees new weights: a changed moving mean or kernel changes the folded output too", async () => {
    await tf.setBackend(backend);
    const { model, twin } = await pair("resnet50", "resnet_tiny_v1");
    const x = input();
    const before = (model.predict(x) as tf.Tensor).dataSync();
    for (const m of [model, twin]) {
      const bn = m.getLayer("conv2_block1_2_bn");
      const w = bn.getWeights();
      bn.setWeights([
        w[0] as tf.Tensor,
        w[1] as tf.Tensor,
        tf.add(w[2] as tf.Tensor, 0.5),
        w[3] as tf.Tensor,
      ]);
    }
    const after = (model.predict(x) as tf.Tensor).dataSync();
    expect(relErr(after, before)).toBeGreaterThan(1e-4);
    expect(relErr(after, (twin.predict(x) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    for (const m of [model, twin]) {
      const conv = m.getLayer("conv3_block1_2_conv");
      const w = conv.getWeights();
      conv.setWeights([tf.mul(w[0] as tf.Tensor, 1.5), w[1] as tf.Tensor]);
    }
    const third = (model.predict(x) as tf.Tensor).dataSync();
    expect(relErr(third, after)).toBeGreaterThan(1e-4);
    expect(relErr(third, (twin.predict(x) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    model.dispose();
    twin.dispose();
    x.dispose();
  });

  it("a cut at a folded conv or BN ends at that layer's own output (the chain unfolds)", async () => {
    await tf.setBackend(backend);
    const { model, twin } = await pair("resnet50", "resnet_tiny_v1");
    const x = input();
    tf.tidy(() => {
      model.predict(x); // folded and cached first
    });
    for (const layer of ["conv2_block1_1_conv", "conv2_block2_2_bn", "conv1_conv"]) {
      const got = tf.tidy(() => (cutAt(model, layer).predict(x) as tf.Tensor).dataSync());
      const want = tf.tidy(() => (cutAt(twin, layer).predict(x) as tf.Tensor).dataSync());
      expect(relErr(got, want), layer).toBeLessThan(1e-5);
    }
    const a = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (twin.predict(x) as tf.Tensor).dataSync());
    expect(relErr(a, b)).toBeLessThan(1e-5);
    model.dispose();
    twin.dispose();
    x.dispose();
  });

  it("a tape without training: true (a loop of your own) still gives every kernel its gradient", async () => {
    await tf.setBackend(backend);
    const { model, twin } = await pair("resnet50", "resnet_tiny_v1");
    const x = input();
    tf.tidy(() => {
      model.predict(x); // a cached fold must not stand in on the tape
    });
    const y = tf.oneHot(tf.tensor1d([2, 0], "int32"), 5);
    const grads = (m: tfl.LayersModel) => {
      const { grads: g } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor) as tf.Scalar,
      );
      return m.trainableWeights.map((w) => g[(w.read() as tf.Variable).name]);
    };
    const ga = grads(model);
    const gb = grads(twin);
    expect(ga.every((g) => g !== undefined)).toBe(true);
    expect(ga.length).toBe(gb.length);
    ga.forEach((g, i) => {
      const name = model.trainableWeights[i]?.name;
      expect(
        relErr((g as tf.Tensor).dataSync(), (gb[i] as tf.Tensor).dataSync()),
        name,
      ).toBeLessThan(1e-4);
    });
    model.dispose();
    twin.dispose();
    tf.dispose([x, y]);
  });

  it("training BN (batch statistics) is not folded, and dispose frees the folded copies", async () => {
    await tf.setBackend(backend);
    const start = tf.memory().numTensors;
    const { model, twin } = await pair("resnet50", "resnet_tiny_v1");
    const x = input();
    const counted = await kernels(() => model.apply(x, { training: true }) as tf.Tensor);
    expect(counted.FusedBatchNorm).toBeGreaterThan(0);
    const [a, b] = tf.tidy(() =>
      [model, twin].map((m) => (m.apply(x, { training: true }) as tf.Tensor).dataSync()),
    );
    expect(relErr(a as Float32Array, b as Float32Array)).toBeLessThan(1e-5);
    tf.tidy(() => {
      model.predict(x); // fills the folded cache
    });
    model.dispose();
    twin.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
