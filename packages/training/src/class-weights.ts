/**
 * "Balanced" class weights, the formula Keras' imbalanced-data tutorials take
 * from scikit-learn's `compute_class_weight("balanced")`:
 *
 *     weight[c] = n_samples / (n_classes * count[c])
 *
 * The result plugs straight into tfjs-layers' `fit({classWeight})` and
 * `fitDataset({classWeight})`, which (like Keras) turn it into per-sample loss
 * weights: the loss becomes mean(loss_i × weight[y_i]).
 */
import * as tf from "@tensorflow/tfjs-core";
import { argumentError, TrainingError } from "./errors.ts";

/** tfjs-layers' ClassWeight: class index → weight. */
export type ClassWeight = Record<number, number>;

/**
 * Samples per class from integer labels (`[0, 2, 1, …]`) or one-hot rows (a
 * 2-D tensor, as `categoricalCrossentropy` takes). `numClasses` defaults to the
 * largest label + 1 (integer labels) or the row width (one-hot).
 */
export function classCounts(labels: ArrayLike<number> | tf.Tensor, numClasses?: number): number[] {
  let ids: ArrayLike<number>;
  let n = numClasses;
  if (labels instanceof tf.Tensor) {
    if (labels.rank === 2 && labels.shape[1] !== 1) {
      n ??= labels.shape[1] as number;
      ids = tf.tidy(() => tf.argMax(labels, 1)).dataSync();
    } else {
      ids = labels.dataSync();
    }
  } else {
    ids = labels;
  }
  let max = -1;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i] as number;
    if (!Number.isInteger(v) || v < 0) {
      throw argumentError(`labels[${i}]`, "a non-negative integer class index", v);
    }
    if (v > max) max = v;
  }
  n ??= max + 1;
  if (max >= n)
    throw argumentError("numClasses", `at least ${max + 1} (labels go up to ${max})`, n);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < ids.length; i++) (counts[ids[i] as number] as number)++;
  return counts;
}

/** Balanced weights from per-class counts (or from labels, via classCounts). */
export function balancedClassWeights(
  countsOrLabels: readonly number[] | tf.Tensor,
  options: { fromLabels?: boolean; numClasses?: number } = {},
): ClassWeight {
  const counts =
    countsOrLabels instanceof tf.Tensor || options.fromLabels
      ? classCounts(countsOrLabels as ArrayLike<number> | tf.Tensor, options.numClasses)
      : [...countsOrLabels];
  if (counts.length === 0) throw argumentError("counts", "at least one class", "[]");
  const total = counts.reduce((a, b) => a + b, 0);
  const weights: ClassWeight = {};
  counts.forEach((c, cls) => {
    if (!Number.isFinite(c) || c < 0) throw argumentError(`counts[${cls}]`, "a count ≥ 0", c);
    if (c === 0) {
      throw new TrainingError(
        "ERR_GRAFT_CLASS_WEIGHT",
        `Class ${cls} has no samples, so a balanced weight for it is undefined; drop the class or give its weight yourself`,
      );
    }
    weights[cls] = total / (counts.length * c);
  });
  return weights;
}
