/**
 * Keras' rule for a frozen BatchNormalization layer, on tfjs-layers.
 *
 * Since Keras 2.1.3 a BatchNormalization layer whose `trainable` is false runs in inference
 * mode even inside `fit`: it normalises with its moving mean and variance and leaves them as
 * they are. That is what makes fine-tuning a ResNet or EfficientNet base work; the
 * alternative, a frozen base that still normalises each batch by its own statistics and drifts
 * its moving averages towards the new data, is the classic trap of transfer learning.
 * tfjs-layers 4.22 follows the older rule (only the `training` flag counts), so graft applies
 * Keras': once `useKerasBatchNormRule()` has run (importing @graft/models runs it), every
 * BatchNormalization layer in the process, built by graft or loaded from a file, obeys it.
 *
 * "Frozen" covers both ways of freezing in tfjs-layers: `layer.trainable = false`, and
 * `model.trainable = false` on a model that contains the layer (which marks the layer's
 * gamma and beta as not trainable without touching the layer's own flag).
 *
 * In training mode (a BatchNormalization that trains, over the channels-last axis) the layer runs the same forward kernels as tfjs-layers — the batch's moments, then
 * FusedBatchNorm, so the same outputs and moving-average updates — but its gradient is the
 * closed form every framework uses, dx = gamma/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)),
 * dgamma = Σ dy · x̂, dbeta = Σ dy: eight passes over the activations where tfjs-core's
 * generic gradient of moments and batchNorm takes dozens (tiles, squares, broadcasts). It
 * equals tfjs' gradient to float32 rounding. It also trains a layer without gamma
 * (`scale: false`, InceptionV3's), where tfjs-layers' own training path reads the missing weight.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type Kwargs = Record<string, unknown>;
type CallFn = (this: BatchNormLike, inputs: unknown, kwargs: Kwargs) => unknown;

interface Weight {
  trainable: boolean;
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}

interface BatchNormLike {
  trainable: boolean;
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma?: Weight | null;
  beta?: Weight | null;
  movingMean?: Weight;
  movingVariance?: Weight;
  call: CallFn;
}

/**
 * Batch normalisation on the batch's statistics over every axis but the last, with the
 * closed-form gradient (see the module comment). Returns the output, and the batch mean and
 * variance for the moving averages (kept: the caller disposes them).
 */
function normalizeBatch(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const stats: tf.Tensor[] = [];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, g, b] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(xs, axes);
    const y = tf.batchNorm(xs, mean, variance, b, g, epsilon);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    stats.push(tf.keep(mean), tf.keep(variance));
    save([xs, mean, rstd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, smean, srstd, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const n = sx.size / (sx.shape[sx.rank - 1] as number);
        const xhat = tf.mul(tf.sub(sx, smean), srstd);
        const dbeta = tf.sum(dy, axes);
        const dgamma = tf.sum(tf.mul(dy, xhat), axes);
        const centred = tf.sub(dy, tf.div(dbeta, n));
        const dx = tf.mul(tf.sub(centred, tf.mul(xhat, tf.div(dgamma, n))), tf.mul(sg, srstd));
        return [dx, dgamma, dbeta];
      },
    };
  });
  const y = f(x, gamma, beta) as tf.Tensor;
  return { y, mean: stats[0] as tf.Tensor, variance: stats[1] as tf.Tensor };
}

/** Whether graft's training path handles this layer (see the module comment). */
function closedForm(bn: BatchNormLike, x: unknown): x is tf.Tensor {
  return (
    x instanceof tf.Tensor &&
    x.rank >= 2 &&
    (bn.axis === -1 || bn.axis === x.rank - 1) &&
    (!bn.scale || bn.gamma != null) &&
    (!bn.center || bn.beta != null) &&
    bn.movingMean != null &&
    bn.movingVariance != null
  );
}

/** tfjs-layers' moving-average update: v ← v − (v − value) · (1 − momentum). */
function updateMoving(v: Weight, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const old = v.read();
    v.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - momentum)));
  });
}

function trainBatchNorm(bn: BatchNormLike, x: tf.Tensor): tf.Tensor {
  // Without scale (InceptionV3's BNs) gamma is 1, without center beta is 0: constants, so
  // their gradients go nowhere. (tfjs-layers' own training path reads a missing gamma.)
  const channels = x.shape[x.rank - 1] as number;
  const { y, mean, variance } = normalizeBatch(
    x,
    bn.scale ? (bn.gamma as Weight).read() : tf.ones([channels]),
    bn.center ? (bn.beta as Weight).read() : tf.zeros([channels]),
    bn.epsilon,
  );
  updateMoving(bn.movingMean as Weight, mean, bn.momentum);
  updateMoving(bn.movingVariance as Weight, variance, bn.momentum);
  tf.dispose([mean, variance]);
  return y;
}

const PATCHED = Symbol.for("graft.kerasBatchNormRule");

/**
 * Whether a BatchNormalization layer counts as frozen: its own flag is off, or it has a gamma
 * or beta and none of them is trainable.
 */
export function isFrozenBatchNorm(layer: tfl.layers.Layer): boolean {
  const bn = layer as unknown as BatchNormLike;
  if (!bn.trainable) return true;
  const params = [bn.gamma, bn.beta].filter((v) => v != null);
  return params.length > 0 && params.every((v) => !v.trainable);
}

/**
 * Makes every tfjs-layers BatchNormalization follow Keras' rule (see the module comment).
 * Idempotent; returns whether this call installed it.
 */
export function useKerasBatchNormRule(): boolean {
  const probe = tfl.layers.batchNormalization({});
  const proto = Object.getPrototypeOf(probe) as BatchNormLike & { [PATCHED]?: true };
  if (proto[PATCHED]) return false;
  const call = proto.call;
  proto.call = function (this: BatchNormLike, inputs: unknown, kwargs: Kwargs) {
    if (kwargs?.training !== true) return call.call(this, inputs, kwargs);
    if (isFrozenBatchNorm(this as unknown as tfl.layers.Layer)) {
      return call.call(this, inputs, { ...kwargs, training: false });
    }
    const x = Array.isArray(inputs) && inputs.length === 1 ? inputs[0] : inputs;
    if (!closedForm(this, x)) return call.call(this, inputs, kwargs);
    return tf.tidy(() => trainBatchNorm(this, x));
  };
  proto[PATCHED] = true;
  return true;
}

useKerasBatchNormRule();
