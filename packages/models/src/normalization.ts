/**
 * Keras' `Normalization` preprocessing layer (keras/src/layers/preprocessing/normalization.py)
 * for tfjs-layers, which has none: `(x − mean) / max(√variance, 1e-7)` per channel, with
 * `mean`, `variance` and `count` as non-trainable weights in Keras' order (what
 * EfficientNet's files store), or with the statistics fixed in the config and no weights (how
 * EfficientNetV2's B members and ConvNeXt normalise their inputs). One kept axis, and not
 * `invert`; `adapt()` is Keras' business: graft loads the statistics.
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
  /**
   * Keras' fixed statistics: one value, or one per channel of the kept axis; null (the
   * default) for the adapted form, whose statistics are weights. Give both or neither.
   */
  mean?: number | number[] | null;
  /** Keras' fixed variances, as `mean`. */
  variance?: number | number[] | null;
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
  private readonly fixed: { mean: number[]; variance: number[] } | null;
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
    if (args.invert === true) {
      throw new ModelsError("ERR_GRAFT_ARG", "Normalization: graft does not support invert");
    }
    if ((args.mean == null) !== (args.variance == null)) {
      // Keras' own rule.
      throw new ModelsError(
        "ERR_GRAFT_ARG",
        "Normalization: when one of mean and variance is set, the other must be set too",
      );
    }
    this.axis = axis[0] as number;
    this.fixed =
      args.mean == null || args.variance == null
        ? null
        : { mean: statistic(args.mean, "mean"), variance: statistic(args.variance, "variance") };
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
    if (this.fixed) {
      for (const [what, v] of Object.entries(this.fixed)) {
        if (v.length !== 1 && v.length !== channels) {
          throw new ModelsError(
            "ERR_GRAFT_ARG",
            `Normalization ${this.name}: ${what} has ${v.length} values for ${channels} channels`,
          );
        }
      }
      this.built = true;
      return;
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
      const fixed = this.fixed;
      const stat = (v: number[], w: Variable | null) =>
        fixed
          ? tf.reshape(tf.tensor1d(v), v.length === 1 ? [] : shape)
          : tf.reshape((w as Variable).read(), shape);
      const mean = stat(fixed?.mean ?? [], this.mean);
      const std = tf.maximum(tf.sqrt(stat(fixed?.variance ?? [], this.variance)), EPSILON);
      return tf.div(tf.sub(x, mean), std);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      axis: [this.axis],
      mean: this.fixed?.mean ?? null,
      variance: this.fixed?.variance ?? null,
      invert: false,
    };
  }
}

/** A fixed statistic as a list of finite numbers. */
function statistic(v: number | number[], what: string): number[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new ModelsError(
      "ERR_GRAFT_ARG",
      `Normalization: ${what} must be a finite number or a non-empty list of them; received ${JSON.stringify(v)}`,
    );
  }
  return [...list];
}
tf.serialization.registerClass(Normalization);
