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
 */
import * as tfl from "@tensorflow/tfjs-layers";

type Kwargs = Record<string, unknown>;
type CallFn = (this: BatchNormLike, inputs: unknown, kwargs: Kwargs) => unknown;

interface BatchNormLike {
  trainable: boolean;
  gamma?: { trainable: boolean } | null;
  beta?: { trainable: boolean } | null;
  call: CallFn;
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
    const inference =
      kwargs?.training === true && isFrozenBatchNorm(this as unknown as tfl.layers.Layer);
    return call.call(this, inputs, inference ? { ...kwargs, training: false } : kwargs);
  };
  proto[PATCHED] = true;
  return true;
}

useKerasBatchNormRule();
