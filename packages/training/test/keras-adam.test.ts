/**
 * kerasAdam is Keras' Adam: its steps equal Keras' update rule computed here in float64
 * (a direct transcription of keras.optimizers.Adam.update_step), where tfjs' own Adam,
 * whose ε sits under the bias correction, takes visibly different steps on small gradients.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { getLearningRate, KerasAdamOptimizer, kerasAdam, setLearningRate } from "../src/index.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Gradients for step t: small (1e-6 to 1e-4 in size) with both signs, as deep layers see. */
const gradient = (t: number, n: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.9 * t) * 10 ** (-4 - (i % 3)));

/** Keras' Adam in float64: α = lr·sqrt(1−β₂ᵗ)/(1−β₁ᵗ), θ −= α·m/(sqrt(v)+ε). */
function kerasReference(theta0: Float64Array, steps: number, lr: number, eps = 1e-7) {
  const [b1, b2] = [0.9, 0.999];
  const theta = Float64Array.from(theta0);
  const m = new Float64Array(theta.length);
  const v = new Float64Array(theta.length);
  for (let t = 1; t <= steps; t++) {
    const g = gradient(t, theta.length);
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < theta.length; i++) {
      m[i] = (m[i] as number) + ((g[i] as number) - (m[i] as number)) * (1 - b1);
      v[i] = (v[i] as number) + ((g[i] as number) ** 2 - (v[i] as number)) * (1 - b2);
      theta[i] =
        (theta[i] as number) - (alpha * (m[i] as number)) / (Math.sqrt(v[i] as number) + eps);
    }
  }
  return theta;
}

function run(optimizer: tf.Optimizer, theta0: Float64Array, steps: number): Float32Array {
  const theta = tf.variable(tf.tensor1d(Float32Array.from(theta0)), true, `theta${Math.random()}`);
  for (let t = 1; t <= steps; t++) {
    const g = tf.tensor1d(Float32Array.from(gradient(t, theta0.length)));
    optimizer.applyGradients({ [theta.name]: g });
    g.dispose();
  }
  const out = theta.dataSync() as Float32Array;
  theta.dispose();
  optimizer.dispose();
  return out;
}

/** Largest |a − b| over the step taken, relative to the distance moved. */
function relativeStepError(got: Float32Array, want: Float64Array, theta0: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const moved = Math.abs((want[i] as number) - (theta0[i] as number));
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / moved);
  }
  return worst;
}

describe("kerasAdam", () => {
  const theta0 = Float64Array.from({ length: 24 }, (_, i) => 0.01 * (i - 12));
  const steps = 20;
  const lr = 1e-3;
  const want = kerasReference(theta0, steps, lr);

  it("takes Keras' steps (float32 against float64: under 1e-3 of each weight's move)", () => {
    expect(relativeStepError(run(kerasAdam(lr), theta0, steps), want, theta0)).toBeLessThan(1e-3);
  });

  it("the test can fail: tfjs' Adam, with ε under the bias correction, is off by more", () => {
    expect(relativeStepError(run(tf.train.adam(lr), theta0, steps), want, theta0)).toBeGreaterThan(
      1e-2,
    );
  });

  it("has Keras' defaults, its own class name, and a settable learning rate", () => {
    const o = kerasAdam();
    expect(o.getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(o.getClassName()).toBe("KerasAdam");
    expect(o).toBeInstanceOf(KerasAdamOptimizer);
    setLearningRate(o, 0.5);
    expect(getLearningRate(o)).toBe(0.5);
    o.dispose();
  });
});
