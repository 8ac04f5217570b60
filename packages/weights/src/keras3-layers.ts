/**
 * What Keras 3 layers and activations do that tfjs-layers 4.22 lacks, so that models using them
 * can be built, saved and reloaded in tfjs with Keras' meaning:
 *
 *  - `GlobalAveragePooling2D` / `GlobalMaxPooling2D` with `keepdims` (Keras ≥ 2.6): the classes
 *    tfjs registers under those names are replaced by subclasses that honour it and behave as
 *    before without it. MobileNet's top and MobileNetV3's squeeze-and-excitation pool this way.
 *  - the `hard_silu` activation (`hard_swish` is its alias), x · relu6(x + 3) / 6;
 *  - Keras 3's `hard_sigmoid`, relu6(x + 3) / 6. tfjs' own `hardSigmoid` is Keras 2's
 *    (clip(0.2x + 0.5, 0, 1)), so Keras 3's is registered as `keras3HardSigmoid`, and the model
 *    file converter renames it both ways (`KERAS3_ACTIVATION_NAMES`).
 *
 * Importing `@graft/weights` registers them; nothing else changes for models that do not use
 * them.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
// Loaded for its side effect: the classes replaced below must be registered first.
import "@tensorflow/tfjs-layers";

type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

/** The slice of a tfjs global pooling layer the keepdims subclass relies on. */
interface GlobalPoolingLayer {
  dataFormat?: string;
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[];
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
  getConfig(): tf.serialization.ConfigDict;
}

type GlobalPoolingClass = new (args: Kwargs) => GlobalPoolingLayer;

function registeredClass(name: string): GlobalPoolingClass {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (!entry)
    throw new Error(`tfjs-layers registers no ${name}; is @tensorflow/tfjs-layers loaded?`);
  return entry[0] as unknown as GlobalPoolingClass;
}

/** Options of the keepdims global pooling layers: tfjs' own plus Keras' `keepdims`. */
export interface KeepDimsPoolingArgs {
  /** Keras' `keepdims`: keep the pooled height and width as 1s (default false). */
  keepdims?: boolean;
  /** The layer's name. */
  name?: string;
  /** "channelsLast" (default) or "channelsFirst". */
  dataFormat?: "channelsLast" | "channelsFirst";
  /** Whether the layer's weights train (it has none). */
  trainable?: boolean;
}

function withKeepDims(name: string, reduce: (x: tf.Tensor, axes: number[]) => tf.Tensor) {
  const Base = registeredClass(name);
  class KeepDims extends Base {
    static className = name;
    readonly keepdims: boolean;
    constructor(args: Kwargs = {}) {
      const { keepdims, ...rest } = args;
      super(rest);
      this.keepdims = keepdims === true;
    }
    private axes(): number[] {
      return this.dataFormat === "channelsFirst" ? [2, 3] : [1, 2];
    }
    override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
      if (!this.keepdims) return super.computeOutputShape(inputShape);
      const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
      const out = [...s];
      for (const a of this.axes()) out[a] = 1;
      return out;
    }
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      if (!this.keepdims) return super.call(inputs, kwargs);
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      return reduce(x, this.axes());
    }
    override getConfig(): tf.serialization.ConfigDict {
      const config = super.getConfig();
      return this.keepdims ? { ...config, keepdims: true } : config;
    }
  }
  tf.serialization.registerClass(
    KeepDims as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
  return KeepDims as unknown as new (
    args?: KeepDimsPoolingArgs,
  ) => tfl.layers.Layer;
}

/** tfjs' GlobalAveragePooling2D with Keras' `keepdims` (registered under the same class name). */
export const GlobalAveragePooling2D = withKeepDims("GlobalAveragePooling2D", (x, axes) =>
  tf.mean(x, axes, true),
);
/** tfjs' GlobalMaxPooling2D with Keras' `keepdims` (registered under the same class name). */
export const GlobalMaxPooling2D = withKeepDims("GlobalMaxPooling2D", (x, axes) =>
  tf.max(x, axes, true),
);

/** relu6(x + 3) / 6, as Keras 3's hard_sigmoid (TensorFlow backend) computes it. */
function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

/** Keras 3's `hard_sigmoid`: relu6(x + 3) / 6 (not tfjs' Keras 2 `hardSigmoid`). */
export class Keras3HardSigmoid extends tf.serialization.Serializable {
  /** The name tfjs serializes the class under. */
  static className = "keras3HardSigmoid";
  /** The activation of `x`. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => hardSigmoid(x));
  }
  /** No options. */
  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

/** Keras 3's `hard_silu` (and `hard_swish`): x · relu6(x + 3) / 6. */
export class HardSilu extends tf.serialization.Serializable {
  /** The name tfjs serializes the class under. */
  static className = "hardSilu";
  /** The activation of `x`. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.mul(x, hardSigmoid(x)));
  }
  /** No options. */
  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

/** Keras' alias `hard_swish` of `hard_silu`, for configs that name it so. */
export class HardSwish extends HardSilu {
  /** The name tfjs serializes the class under. */
  static override className = "hardSwish";
}

tf.serialization.registerClass(Keras3HardSigmoid);
tf.serialization.registerClass(HardSilu);
tf.serialization.registerClass(HardSwish);

/**
 * Keras 3 activation names whose tfjs registration differs: Keras 3's name → the name tfjs
 * serialises graft's class as. The converter renames Keras 3 configs' activations with it, and
 * back when saving.
 */
export const KERAS3_ACTIVATION_NAMES: Readonly<Record<string, string>> = {
  hard_sigmoid: "keras3_hard_sigmoid",
};
