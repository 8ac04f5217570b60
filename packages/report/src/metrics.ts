/** Per-class precision, recall and F1 from a confusion matrix, as sklearn's classification_report. */

export interface ClassMetrics {
  /** NaN when the class was never predicted. */
  precision: number;
  /** NaN when the class has no true samples. */
  recall: number;
  /** NaN when precision or recall is NaN, 0 when both are 0. */
  f1: number;
  /** Number of true samples of the class. */
  support: number;
}

/**
 * Accuracy and per-class metrics from a confusion matrix, as `classificationMetrics` computes them.
 */
export interface Evaluation {
  /** Fraction of samples on the diagonal. */
  accuracy: number;
  /** One entry per class, in class order. */
  perClass: ClassMetrics[];
}

/** `confusion[trueClass][predictedClass]` counts → accuracy and per-class metrics. */
export function classificationMetrics(confusion: readonly (readonly number[])[]): Evaluation {
  const n = confusion.length;
  let total = 0;
  let correct = 0;
  const predicted = new Array<number>(n).fill(0);
  for (let t = 0; t < n; t++) {
    const row = confusion[t] ?? [];
    for (let p = 0; p < n; p++) {
      const count = row[p] ?? 0;
      total += count;
      predicted[p] = (predicted[p] ?? 0) + count;
      if (t === p) correct += count;
    }
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c] ?? 0;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = predicted[c] ?? 0;
    const precision = predictedAs > 0 ? tp / predictedAs : Number.NaN;
    const recall = support > 0 ? tp / support : Number.NaN;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1: Number.isNaN(precision + recall) ? Number.NaN : f1, support };
  });
  return { accuracy: total > 0 ? correct / total : Number.NaN, perClass };
}

/** One averaged row of sklearn's classification report. */
export interface AveragedMetrics {
  /** Averaged precision, in [0, 1]. */
  precision: number;
  /** Averaged recall, in [0, 1]. */
  recall: number;
  /** Averaged F1 score, in [0, 1]. */
  f1: number;
  /** Number of true samples over all classes. */
  support: number;
}

/**
 * sklearn's "macro avg" and "weighted avg" rows. As with sklearn's default
 * `zero_division`, an undefined (NaN) value counts as 0.
 */
export function averageMetrics(perClass: readonly ClassMetrics[]): {
  /** The unweighted mean over classes. */
  macro: AveragedMetrics;
  /** The mean weighted by each class's support. */
  weighted: AveragedMetrics;
} {
  const support = perClass.reduce((a, m) => a + m.support, 0);
  const z = (v: number) => (Number.isFinite(v) ? v : 0);
  const mean = (pick: (m: ClassMetrics) => number) =>
    perClass.length > 0 ? perClass.reduce((a, m) => a + z(pick(m)), 0) / perClass.length : NaN;
  const weightedMean = (pick: (m: ClassMetrics) => number) =>
    support > 0 ? perClass.reduce((a, m) => a + z(pick(m)) * m.support, 0) / support : NaN;
  return {
    macro: {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
      support,
    },
    weighted: {
      precision: weightedMean((m) => m.precision),
      recall: weightedMean((m) => m.recall),
      f1: weightedMean((m) => m.f1),
      support,
    },
  };
}
