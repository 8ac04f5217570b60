/**
 * Conv2D → BatchNormalization (→ relu) as one FusedConv2D wherever the BatchNormalization
 * runs in inference mode: in `predict`, and in training where it is frozen (Keras' rule, see
 * batchnorm.ts), which is how a fine-tuned ResNet base runs.
 *
 * In inference mode BatchNormalization is an affine map per channel, y = a·x + c with
 * a = gamma / sqrt(moving_variance + epsilon) and c = beta − a·moving_mean, so it folds into
 * the convolution before it: kernel·a (per output channel) and a·bias + c. The relu after it
 * becomes the fused kernel's activation. Three passes over the activations (the convolution's
 * output, the normalisation, the relu) become one, and the layers stay Keras' layers: names,
 * weights and saved files do not change. Where the BatchNormalization trains (batch
 * statistics), each layer runs as before.
 *
 * The folded kernel is recomputed from the layers' current weights on every call under a
 * gradient tape where the convolution or the BatchNormalization has trainable weights, so
 * training — `fit`, or a loop of your own with or without `training: true` — differentiates
 * through it exactly; otherwise it is cached against the weights' storage (tfjs gives every
 * assignment a new buffer), so inference folds once, and a new `loadWeights`, `fit` step or
 * assignment is seen. The cache holds one folded copy of the folded convolutions' weights.
 *
 * A sub-network that ends at a folded convolution or BatchNormalization (`cutAt` there) must
 * see that layer's own output: `unfoldAt` restores the layers' own calls for that chain, and
 * `cutAt` does it for you. foldBatchNorm leaves alone chains whose layers are outputs of the
 * model.
 *
 * Results equal the unfolded layers' to float32 rounding (the product a·(W·x) is computed as
 * (a·W)·x), not bit for bit.
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  engine,
  FusedConv2D,
  type NamedAttrMap,
  type Tensor,
  type Tensor1D,
  type Tensor4D,
  tidy,
} from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { isFrozenBatchNorm } from "./batchnorm.ts";
// FusedConv2D's gradient, which a folded convolution needs on a tape.
import "./fused-conv.ts";

type Layer = tfl.layers.Layer;
type Kwargs = Record<string, unknown>;
type Call = (inputs: Tensor | Tensor[], kwargs: Kwargs) => Tensor | Tensor[];

interface NodeLike {
  outboundLayer: Layer;
}
interface Graphed {
  inboundNodes: NodeLike[];
  outboundNodes: NodeLike[];
}

interface ConvConfig {
  kernelSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: string;
  useBias: boolean;
}

interface BatchNormLayer extends Layer {
  axis: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): Tensor } | null;
  beta: { read(): Tensor } | null;
  movingMean: { read(): Tensor };
  movingVariance: { read(): Tensor };
}

/** Tensors a folded convolution produced, already normalised (and activated). */
const normalised = new WeakSet<Tensor>();
const activated = new WeakSet<Tensor>();
const folded = new WeakSet<Layer>();
/** For each folded layer, how to give the whole chain its layers' own calls back. */
const unfolders = new WeakMap<Layer, () => void>();

/** Whether a gradient tape is recording (tf.grad, variableGrads, minimize, fit). */
function taping(): boolean {
  return (engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * Gives the chain `layer` belongs to (a folded Conv2D, its BatchNormalization or its relu)
 * its layers' own calls back, so that a model ending at `layer` sees its real output; returns
 * whether there was a chain. The folded cache is freed.
 */
export function unfoldAt(layer: tfl.layers.Layer): boolean {
  const undo = unfolders.get(layer);
  if (!undo) return false;
  undo();
  return true;
}

function only(layer: Layer): Layer | null {
  const g = layer as unknown as Graphed;
  if (g.inboundNodes.length !== 1 || g.outboundNodes.length !== 1) return null;
  return (g.outboundNodes[0] as NodeLike).outboundLayer;
}

function foldableConv(layer: Layer): ConvConfig | null {
  if (layer.getClassName() !== "Conv2D") return null;
  const c = layer.getConfig() as unknown as ConvConfig;
  const dilations = Array.isArray(c.dilationRate) ? c.dilationRate : [c.dilationRate];
  const ok =
    c.kernelSize.length === 2 &&
    c.dataFormat === "channelsLast" &&
    (c.padding === "same" || c.padding === "valid") &&
    dilations.every((d) => d === 1) &&
    c.activation === "linear";
  return ok ? c : null;
}

function foldableBatchNorm(layer: Layer | null): BatchNormLayer | null {
  if (layer?.getClassName() !== "BatchNormalization") return null;
  const g = layer as unknown as Graphed;
  if (g.inboundNodes.length !== 1) return null;
  const bn = layer as BatchNormLayer;
  return bn.axis === -1 || bn.axis === 3 ? bn : null;
}

function isRelu(layer: Layer | null): boolean {
  if (layer?.getClassName() !== "Activation") return false;
  const g = layer as unknown as Graphed;
  return (
    g.inboundNodes.length === 1 &&
    (layer.getConfig() as { activation?: string }).activation === "relu"
  );
}

/**
 * The folded kernel and bias: kernel·a and a·(bias − mean) + beta with
 * a = gamma / sqrt(variance + epsilon), a per output channel (the kernel's last axis).
 */
function foldWeights(conv: Layer, bn: BatchNormLayer): [Tensor4D, Tensor1D] {
  return tidy(() => {
    const [kernel, bias] = conv.weights;
    const variance = bn.movingVariance.read();
    let a = tf.rsqrt(tf.add(variance, bn.epsilon));
    if (bn.scale && bn.gamma) a = tf.mul(a, bn.gamma.read());
    const w = tf.mul((kernel as { read(): Tensor }).read(), a) as Tensor4D;
    const b0 = bias ? tf.sub(bias.read(), bn.movingMean.read()) : tf.neg(bn.movingMean.read());
    let b = tf.mul(b0, a);
    if (bn.center && bn.beta) b = tf.add(b, bn.beta.read());
    return [w, b as Tensor1D];
  });
}

/** The storage of every weight the folded pair depends on; a new assignment changes it. */
function storageOf(conv: Layer, bn: Layer): object[] {
  return [...conv.weights, ...bn.weights].map(
    (w) => (w.read() as unknown as { dataId: object }).dataId,
  );
}

/**
 * Folds every Conv2D → BatchNormalization (→ Activation relu) chain of `model` whose layers
 * feed only each other (see the module comment); returns how many it folded. buildResNet
 * applies it; call it on a model of your own to run it the same way.
 */
export function foldBatchNorm(model: tfl.LayersModel): number {
  let count = 0;
  for (const conv of model.layers) {
    const c = foldableConv(conv);
    if (!c || folded.has(conv)) continue;
    const bn = foldableBatchNorm(only(conv));
    if (!bn || folded.has(bn)) continue;
    const next = (bn as unknown as Graphed).outboundNodes.length === 1 ? only(bn) : null;
    const relu = isRelu(next) ? (next as Layer) : null;
    const attrs = {
      strides: c.strides,
      pad: c.padding,
      dataFormat: "NHWC",
      dilations: [1, 1],
      dimRoundingMode: undefined,
      activation: relu ? "relu" : "linear",
    } as unknown as NamedAttrMap;
    let cache: { key: object[]; w: Tensor4D; b: Tensor1D } | null = null;
    const cached = (): [Tensor4D, Tensor1D] => {
      const key = storageOf(conv, bn);
      if (!cache || cache.key.some((k, i) => k !== key[i])) {
        if (cache) tf.dispose([cache.w, cache.b]);
        const [w, b] = foldWeights(conv, bn);
        cache = { key, w: tf.keep(w), b: tf.keep(b) };
      }
      return [cache.w, cache.b];
    };
    const convCall: Call = conv.call.bind(conv) as Call;
    conv.call = ((inputs: Tensor | Tensor[], kwargs: Kwargs) => {
      const training = kwargs?.training === true;
      if (conv.weights.length === 0 || (training && !isFrozenBatchNorm(bn))) {
        return convCall(inputs, kwargs);
      }
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor4D;
      // Under a tape where either layer has trainable weights, fold on the tape so that they
      // get their gradients.
      const onTape =
        taping() && (conv.trainableWeights.length > 0 || bn.trainableWeights.length > 0);
      const y = tidy(() => {
        const [w, b] = onTape ? foldWeights(conv, bn) : cached();
        return engine().runKernel(FusedConv2D, { x, filter: w, bias: b }, attrs) as Tensor;
      });
      normalised.add(y);
      if (relu) activated.add(y);
      return y;
    }) as typeof conv.call;
    const bnCall: Call = bn.call.bind(bn) as Call;
    bn.call = ((inputs: Tensor | Tensor[], kwargs: Kwargs) => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
      if (!normalised.has(x)) return bnCall(inputs, kwargs);
      const y = tf.clone(x);
      if (activated.has(x)) activated.add(y);
      return y;
    }) as typeof bn.call;
    // The folded copy goes with the layer.
    const convDispose = conv.dispose.bind(conv);
    const dropCache = () => {
      if (cache) tf.dispose([cache.w, cache.b]);
      cache = null;
    };
    conv.dispose = () => {
      dropCache();
      return convDispose();
    };
    const chain: Layer[] = [conv, bn];
    const restore: [Layer, Call][] = [
      [conv, convCall],
      [bn, bnCall],
    ];
    if (relu) {
      const reluCall: Call = relu.call.bind(relu) as Call;
      restore.push([relu, reluCall]);
      relu.call = ((inputs: Tensor | Tensor[], kwargs: Kwargs) => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
        return activated.has(x) ? tf.clone(x) : reluCall(inputs, kwargs);
      }) as typeof relu.call;
      chain.push(relu);
    }
    const undo = () => {
      for (const [l, call] of restore) l.call = call as unknown as typeof l.call;
      dropCache();
      for (const l of chain) unfolders.delete(l);
    };
    for (const l of chain) {
      folded.add(l);
      unfolders.set(l, undo);
    }
    count++;
  }
  return count;
}
