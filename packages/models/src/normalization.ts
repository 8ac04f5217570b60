/**
 * Keras' `Normalization` preprocessing layer (keras/src/layers/preprocessing/normalization.py)
 * for tfjs-layers, which has none: `(x − mean) / max(√variance, 1e-7)` per channel, with
 * `mean`, `variance` and `count` as non-trainable weights in Keras' order (what
 * EfficientNet's files store). Only the adapted form (no `mean`/`variance` in the config) over
 * one kept axis, and not `invert`; `adapt()` is Keras' business: graft loads the statistics.
 * Registered with tfjs' serialization, so a saved model that holds one loads again.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ModelsError } from "./errors.ts";

/** Options of `Normalization`: Keras' names. */
export interface NormalizationArgs {
  /** The kept axis (Keras: -1, EfficientNet's 3), or a one-element list of it. */
  axis?: number | number[];
  /** Layer name. */
  name?: string;
  /** Keras' fixed statistics; graft supports only the adapted form (null). */
  mean?: null;
  /** Keras' fixed statistics; graft supports only the adapted form (null). */
  variance?: null;
  /** Keras' inverse mode; graft supports only false. */
  invert?: boolean;
  /** Passed to tfjs' Layer. */
  trainable?: boolean;
  /** Passed to tfjs' Layer. */
  dtype?: tf.DataType;
}

type Variable = ReturnType<tfl.layers.Layer["addWeight"]>;

/** Keras' backend.epsilon(), the floor of the standard deviation. */
const EPSILON = 1e-7;

/** keras.layers.Normalization, adapted form, one kept axis. */
export class Normalization extends tfl.layers.Layer {
  /** tfjs' serialization name, as Keras'. */
  static className = "Normalization";
  private readonly axis: number;
  private mean: Variable | null = null;
  private variance: Variable | null = null;

  constructor(args: NormalizationArgs = {}) {
    super({
      ...(args.name !== undefined && { name: args.name }),
      ...(args.trainable !== undefined && { trainable: args.trainable }),
      ...(args.dtype !== undefined && { dtype: args.dtype }),
    });
    const axis = Array.isArray(args.axis) ? args.axis : [args.axis ?? -1];
    if (axis.length !== 1 || !Number.isInteger(axis[0])) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Normalization: graft keeps exactly one axis; received axis ${JSON.stringify(args.axis)}`,
      );
    }
    if (args.mean != null || args.variance != null || args.invert === true) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        "Normalization: graft supports only the adapted form (mean and variance as weights, invert false)",
      );
    }
    this.axis = axis[0] as number;
  }

  private keptAxis(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a < 0 || a >= rank) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Normalization ${this.name}: axis ${this.axis} is outside a rank-${rank} input`,
      );
    }
    return a;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[this.keptAxis(shape.length)];
    if (channels == null) {
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        `Normalization ${this.name}: the kept axis must have a known size`,
      );
    }
    const zeros = tfl.initializers.zeros();
    this.mean = this.addWeight("mean", [channels], "float32", zeros, undefined, false);
    this.variance = this.addWeight(
      "variance",
      [channels],
      "float32",
      tfl.initializers.ones(),
      undefined,
      false,
    );
    // Keras keeps an int64 sample count for adapt(); kept (as float32) so files round-trip.
    this.addWeight("count", [], "float32", zeros, undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const axis = this.keptAxis(x.rank);
      const shape = x.shape.map((d, i) => (i === axis ? d : 1));
      const mean = tf.reshape((this.mean as Variable).read(), shape);
      const std = tf.maximum(
        tf.sqrt(tf.reshape((this.variance as Variable).read(), shape)),
        EPSILON,
      );
      return tf.div(tf.sub(x, mean), std);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), axis: [this.axis], mean: null, variance: null, invert: false };
  }
}
tf.serialization.registerClass(Normalization);
