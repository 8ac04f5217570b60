/**
 * BatchNormalization in training mode with graft's closed-form gradient (batchnorm.ts): the
 * same output and moving-average updates as tfjs-layers' own path, and the gradient tfjs-core
 * derives from moments and batchNorm, to float32 rounding; layers it does not cover (another
 * axis) keep tfjs-layers' path. On tfjs-cpu and graft-cpu.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@graft/native/graft-cpu";
import { relErr } from "@graft/test-fixtures/compare";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, describe, expect, it } from "vitest";
import "../src/index.ts";

afterAll(async () => {
  await tf.setBackend("cpu");
});

function seeded(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  return tf.add(tf.mul(tf.randomUniform(shape, -1, 1, "float32", seed), scale), shift);
}

describe.each(["cpu", "graft-cpu"])("BatchNormalization training on %s", (backend) => {
  it("output, moving averages and gradients match tfjs' moments + batchNorm", async () => {
    await tf.setBackend(backend);
    const x = seeded([4, 6, 5, 8], 1, 2, 0.5);
    const w = seeded([4, 6, 5, 8], 2);
    const bn = tfl.layers.batchNormalization({ axis: -1, epsilon: 1.001e-5, momentum: 0.9 });
    bn.apply(tfl.input({ shape: [6, 5, 8] }));
    bn.setWeights([
      seeded([8], 3, 0.2, 1),
      seeded([8], 4, 0.1),
      seeded([8], 5, 0.1),
      tf.add(tf.abs(seeded([8], 6)), 0.5),
    ]);
    const [gamma, beta, movingMean, movingVariance] = bn.getWeights() as tf.Tensor[];

    // The reference: what tfjs-layers computes, differentiated by tfjs-core.
    const axes = [0, 1, 2];
    const reference = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const m = tf.moments(xs, axes);
      return tf.batchNorm(xs, m.mean, m.variance, b, g, 1.001e-5);
    };
    const wantY = reference(x, gamma as tf.Tensor, beta as tf.Tensor);
    const wantGrads = tf.grads((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(reference(xs, g, b), w)),
    )([x, gamma as tf.Tensor, beta as tf.Tensor]);
    const m = tf.moments(x, axes);
    const wantMean = tf.sub(
      movingMean as tf.Tensor,
      tf.mul(tf.sub(movingMean as tf.Tensor, m.mean), 0.1),
    );
    const wantVar = tf.sub(
      movingVariance as tf.Tensor,
      tf.mul(tf.sub(movingVariance as tf.Tensor, m.variance), 0.1),
    );

    // The layer, gradients with respect to x and its two trainable weights.
    let gotY: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      const y = bn.apply(x, { training: true }) as tf.Tensor;
      gotY = tf.keep(tf.clone(y));
      return tf.sum(tf.mul(y, w)) as tf.Scalar;
    });
    expect(relErr((gotY as unknown as tf.Tensor).dataSync(), wantY.dataSync())).toBe(0);
    const [, , newMean, newVar] = bn.getWeights() as tf.Tensor[];
    // One moving-average update: the one call above.
    expect(relErr((newMean as tf.Tensor).dataSync(), wantMean.dataSync())).toBeLessThan(1e-6);
    expect(relErr((newVar as tf.Tensor).dataSync(), wantVar.dataSync())).toBeLessThan(1e-6);
    const byName = (part: string) => {
      const k = Object.keys(grads).find((n) => n.endsWith(part));
      if (!k) throw new Error(`no gradient for ${part}: ${Object.keys(grads).join(", ")}`);
      return grads[k] as tf.Tensor;
    };
    expect(relErr(byName("gamma").dataSync(), (wantGrads[1] as tf.Tensor).dataSync())).toBeLessThan(
      1e-5,
    );
    expect(relErr(byName("beta").dataSync(), (wantGrads[2] as tf.Tensor).dataSync())).toBeLessThan(
      1e-5,
    );
    const dx = tf.grad((xs: tf.Tensor) =>
      tf.sum(tf.mul(bn.apply(xs, { training: true }) as tf.Tensor, w)),
    )(x);
    expect(relErr(dx.dataSync(), (wantGrads[0] as tf.Tensor).dataSync())).toBeLessThan(1e-4);
  });

  it("a layer without scale (gamma fixed at 1, InceptionV3's) trains: output, beta's and x's gradients", async () => {
    await tf.setBackend(backend);
    const x = seeded([2, 5, 5, 6], 8, 1.5, -0.3);
    const w = seeded([2, 5, 5, 6], 9);
    const bn = tfl.layers.batchNormalization({ axis: 3, scale: false });
    bn.apply(tfl.input({ shape: [5, 5, 6] }));
    expect(bn.getWeights().length).toBe(3);
    bn.setWeights([seeded([6], 10, 0.1), tf.zeros([6]), tf.ones([6])]);
    const beta = bn.getWeights()[0] as tf.Tensor;
    const reference = (xs: tf.Tensor, b: tf.Tensor) => {
      const m = tf.moments(xs, [0, 1, 2]);
      return tf.batchNorm(xs, m.mean, m.variance, b, tf.ones([6]), 1e-3);
    };
    const want = tf.grads((xs: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reference(xs, b), w)))([
      x,
      beta,
    ]);
    const got = bn.apply(x, { training: true }) as tf.Tensor;
    expect(relErr(got.dataSync(), reference(x, beta).dataSync())).toBeLessThan(1e-6);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(bn.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar,
    );
    expect(Object.keys(grads)).toHaveLength(1);
    const dbeta = Object.values(grads)[0] as tf.Tensor;
    expect(relErr(dbeta.dataSync(), (want[1] as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    const dx = tf.grad((xs: tf.Tensor) =>
      tf.sum(tf.mul(bn.apply(xs, { training: true }) as tf.Tensor, w)),
    )(x);
    expect(relErr(dx.dataSync(), (want[0] as tf.Tensor).dataSync())).toBeLessThan(1e-4);
  });

  it("a layer normalising another axis keeps tfjs-layers' own training path, same results", async () => {
    await tf.setBackend(backend);
    const x = seeded([3, 5, 4, 4], 7, 1.5);
    const bn = tfl.layers.batchNormalization({ axis: 1 });
    bn.apply(tfl.input({ shape: [5, 4, 4] }));
    const m = tf.moments(x, [0, 2, 3], true);
    const want = tf.batchNorm(
      x,
      m.mean,
      m.variance,
      tf.zeros([1, 5, 1, 1]),
      tf.ones([1, 5, 1, 1]),
      1e-3,
    );
    const got = bn.apply(x, { training: true }) as tf.Tensor;
    expect(relErr(got.dataSync(), want.dataSync())).toBeLessThan(1e-6);
  });
});
