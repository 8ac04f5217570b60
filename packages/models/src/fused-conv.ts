/**
 * Conv2D + bias + relu as one FusedConv2D kernel while training, not only in
 * predict().
 *
 * tfjs-core fuses a convolution with its bias and activation only outside a
 * gradient tape (`shouldFuse`): while a model trains, each of VGG's
 * Conv2D(relu) layers runs Conv2D, then Add, then Relu, two extra passes over
 * activations that reach 100 MB at 224 px. `fuseConvBiasRelu` makes such layers
 * run FusedConv2D (the backend's conv with bias and relu applied as it writes
 * the output), and registers FusedConv2D's gradient so that the tape can
 * differentiate it: relu's gradient from the saved output, then the two
 * backprop kernels and a sum for the bias, each computed only when its input
 * needs it. Results match the unfused layer's; what changes is the kernels run.
 * Nothing is saved differently: the layers stay Keras' Conv2D.
 */
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  engine,
  FusedConv2D,
  type FusedConv2DAttrs,
  type GradConfig,
  getGradient,
  type NamedAttrMap,
  type NamedTensorMap,
  Relu,
  registerGradient,
  sum,
  type Tensor,
  type Tensor4D,
  tidy,
} from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/**
 * Relu's gradient at y = relu(z), by whichever Relu gradient is registered (graft's
 * one-pass ReluGrad where @graft/native is loaded, tfjs's dy * step(z) otherwise).
 * y is positive exactly where z is, so y stands in for the saved input.
 */
function reluGradient(dy: Tensor, y: Tensor): Tensor {
  const grads = getGradient(Relu).gradFunc(dy, [y], {}) as { x: () => Tensor };
  return grads.x();
}

/**
 * FusedConv2D's gradient for the cases `fuseConvBiasRelu` produces: NHWC,
 * dilation 1, a bias, linear or relu activation. tfjs-core's own fused conv2d
 * never records FusedConv2D on a tape (it wraps it in customGrad), so this only
 * ever differentiates the fused layers.
 */
export const fusedConv2DGradConfig: GradConfig = {
  kernelName: FusedConv2D,
  inputsToSave: ["x", "filter"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x, filter, y] = saved as [Tensor4D, Tensor4D, Tensor4D];
    const a = attrs as unknown as FusedConv2DAttrs;
    const dilations = typeof a.dilations === "number" ? [a.dilations, a.dilations] : a.dilations;
    if (
      a.dataFormat !== "NHWC" ||
      dilations.some((d) => d !== 1) ||
      (a.activation !== "relu" && a.activation !== "linear")
    ) {
      throw new Error(
        `FusedConv2D's gradient (registered by @graft/models) handles NHWC, dilation 1 and ` +
          `linear or relu, but received ${a.dataFormat}, dilations ${dilations}, ${a.activation}`,
      );
    }
    const g = a.activation === "relu" ? reluGradient(dy as Tensor, y) : (dy as Tensor);
    const common = {
      strides: a.strides,
      pad: a.pad,
      dataFormat: a.dataFormat,
      dimRoundingMode: a.dimRoundingMode,
    };
    const dx: Conv2DBackpropInputAttrs = { ...common, inputShape: x.shape };
    const dw: Conv2DBackpropFilterAttrs = { ...common, filterShape: filter.shape };
    const run = (kernel: string, inputs: NamedTensorMap, at: object) =>
      engine().runKernel(kernel, inputs, at as NamedAttrMap) as Tensor;
    return {
      x: () => run(Conv2DBackpropInput, { dy: g, filter }, dx),
      filter: () => run(Conv2DBackpropFilter, { x, dy: g }, dw),
      bias: () => sum(g, [0, 1, 2]),
    };
  },
};

registerGradient(fusedConv2DGradConfig);

interface ConvConfig {
  kernelSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: string;
  useBias: boolean;
}

/** Layers already fused, so that a second call changes nothing. */
const fusedLayers = new WeakSet<tfl.layers.Layer>();

/** Whether `layer` is a Conv2D whose training `fuseConvBiasRelu` can fuse. */
function fusable(layer: tfl.layers.Layer): ConvConfig | null {
  if (layer.getClassName() !== "Conv2D") return null;
  const c = layer.getConfig() as unknown as ConvConfig;
  const dilations = Array.isArray(c.dilationRate) ? c.dilationRate : [c.dilationRate];
  const ok =
    c.kernelSize.length === 2 &&
    c.dataFormat === "channelsLast" &&
    (c.padding === "same" || c.padding === "valid") &&
    dilations.every((d) => d === 1) &&
    c.activation === "relu" &&
    c.useBias;
  return ok ? c : null;
}

/**
 * Makes every Conv2D(relu, with bias, NHWC, dilation 1) layer of `model` run
 * as one FusedConv2D kernel, in training as in inference; returns how many it
 * changed. buildVGG applies it to the networks it makes; call it on a model of
 * your own to train it the same way. Other layers are left as they are.
 */
export function fuseConvBiasRelu(model: tfl.LayersModel): number {
  let fused = 0;
  for (const layer of model.layers) {
    const c = fusable(layer);
    if (c === null || fusedLayers.has(layer)) continue;
    const attrs = {
      strides: c.strides,
      pad: c.padding,
      dataFormat: "NHWC",
      dilations: [1, 1],
      dimRoundingMode: undefined,
      activation: "relu",
    } as unknown as NamedAttrMap;
    // The layer's own call() still runs until the layer is built (weights exist).
    const unfused = layer.call.bind(layer);
    layer.call = (inputs, kwargs) => {
      const [kernel, bias] = layer.weights;
      if (kernel === undefined || bias === undefined) return unfused(inputs, kwargs);
      return tidy(() => {
        const x = Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs;
        return engine().runKernel(
          FusedConv2D,
          { x, filter: kernel.read(), bias: bias.read() },
          attrs,
        ) as Tensor;
      });
    };
    fusedLayers.add(layer);
    fused++;
  }
  return fused;
}
