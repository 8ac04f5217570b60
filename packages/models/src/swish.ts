/**
 * tfjs-layers' `swish` activation in fewer passes. tfjs-layers computes it as
 * sigmoid(x · 1) · x, three kernels forward, and its tape differentiates each of them, about
 * nine more in training. Here it is sigmoid(x) · x (the same values, bit for bit: x · 1 is x)
 * with one gradient, dy · s · (1 + x · (1 − s)) from the saved sigmoid s: two kernels forward
 * and five backward, each of them native on graft-cpu. EfficientNet and EfficientNetV2 run
 * swish after nearly every convolution. Importing this module registers it under tfjs-layers'
 * own class name, so `activation: "swish"` (and a saved model naming it) resolves to it.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-layers registers its own swish when it loads: load it first so that this one replaces it.
import "@tensorflow/tfjs-layers";

const swishWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const s = tf.sigmoid(x);
  save([x, s]);
  return {
    value: tf.mul(s, x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, sig] = saved as [tf.Tensor, tf.Tensor];
      return tf.tidy(() => tf.mul(dy, tf.mul(sig, tf.add(tf.mul(input, tf.sub(1, sig)), 1))));
    },
  };
});

/** x · sigmoid(x), tfjs-layers' `swish` with a single fused gradient. */
export class FastSwish extends tf.serialization.Serializable {
  /** tfjs-layers' class name for the activation it replaces. */
  static className = "swish";

  /** The activation; `alpha` other than 1 falls back to tfjs-layers' own formula. */
  apply(x: tf.Tensor, alpha = 1): tf.Tensor {
    if (alpha !== 1) return tf.tidy(() => tf.mul(tf.sigmoid(tf.mul(x, alpha)), x));
    return swishWithGradient(x);
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}
tf.serialization.registerClass(FastSwish);
