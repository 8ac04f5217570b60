/** Accuracy, per-class precision/recall/F1 and the confusion matrix of a classifier on class folders. */
import type { DirectoryIterator } from "@graft/data";
import { type PreprocessMode, preprocessInput } from "@graft/models";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** One class's scores, with sklearn's definitions (0 where undefined). */
export interface ClassScores {
  /** Of the images predicted as this class, the fraction that are; in [0, 1]. */
  precision: number;
  /** Of the images of this class, the fraction predicted as it; in [0, 1]. */
  recall: number;
  /** Harmonic mean of precision and recall. */
  f1: number;
  /** Number of images of this class. */
  support: number;
}

/** The model's answer for one image. */
export interface Prediction {
  /** Path relative to the data folder, as Keras' `filenames`. */
  file: string;
  /** The image's class index. */
  trueIndex: number;
  /** The index of the most probable class. */
  predictedIndex: number;
  /** Probability of the predicted class. */
  probability: number;
}

/** How a classifier did on a set of class folders (`evaluateModel`, `scorePredictions`). */
export interface Evaluation {
  /** Images scored. */
  samples: number;
  /** Fraction predicted correctly; 0 when there are no images. */
  accuracy: number;
  /** Class names in index order. */
  classNames: string[];
  /** One entry per class, in index order. */
  perClass: ClassScores[];
  /** confusion[true][predicted] */
  confusion: number[][];
  /** Every image's prediction, in the iterator's order. */
  predictions: Prediction[];
}

/** Predicts every image of `it` (which must not shuffle) and scores against its labels. */
export async function evaluateModel(
  model: tfl.LayersModel,
  it: DirectoryIterator,
  options: { preprocess: PreprocessMode; classNames: string[] },
): Promise<Evaluation> {
  const predictions: Prediction[] = [];
  for await (const batch of it) {
    const probs = tf.tidy(() => {
      const x = preprocessInput(batch.xs, options.preprocess);
      return model.predict(x) as tf.Tensor2D;
    });
    const rows = (await probs.array()) as number[][];
    rows.forEach((p, i) => {
      const fileIndex = batch.indices[i] as number;
      let best = 0;
      for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c;
      predictions.push({
        file: it.filenames[fileIndex] as string,
        trueIndex: it.classes[fileIndex] as number,
        predictedIndex: best,
        probability: p[best] as number,
      });
    });
    tf.dispose([probs, batch.xs, batch.ys as tf.Tensor]);
  }
  return scorePredictions(predictions, options.classNames);
}

/** The scores of a list of predictions (sklearn's definitions; 0 where undefined). */
export function scorePredictions(predictions: Prediction[], classNames: string[]): Evaluation {
  const k = classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (const p of predictions) {
    (confusion[p.trueIndex] as number[])[p.predictedIndex] =
      ((confusion[p.trueIndex] as number[])[p.predictedIndex] as number) + 1;
    if (p.trueIndex === p.predictedIndex) correct++;
  }
  const perClass = classNames.map((_, c) => {
    const tp = (confusion[c] as number[])[c] as number;
    const support = (confusion[c] as number[]).reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + (row[c] as number), 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support };
  });
  return {
    samples: predictions.length,
    accuracy: predictions.length === 0 ? 0 : correct / predictions.length,
    classNames,
    perClass,
    confusion,
    predictions,
  };
}

/** A plain-text table of an evaluation, for the terminal. */
export function formatEvaluation(e: Evaluation): string {
  const width = Math.max(9, ...e.classNames.map((c) => c.length));
  const lines = [
    `accuracy ${e.accuracy.toFixed(4)} on ${e.samples} images`,
    "",
    `${"class".padEnd(width)}  precision  recall  f1-score  support`,
  ];
  e.classNames.forEach((c, i) => {
    const s = e.perClass[i] as ClassScores;
    lines.push(
      `${c.padEnd(width)}  ${s.precision.toFixed(4).padStart(9)}  ${s.recall.toFixed(4).padStart(6)}  ${s.f1.toFixed(4).padStart(8)}  ${String(s.support).padStart(7)}`,
    );
  });
  lines.push("", "confusion matrix (rows: true class, columns: predicted)");
  const cell = Math.max(4, ...e.confusion.flat().map((n) => String(n).length));
  lines.push(
    `${"".padEnd(width)}  ${e.classNames.map((_, i) => String(i).padStart(cell)).join(" ")}`,
  );
  e.confusion.forEach((row, i) => {
    lines.push(
      `${`${i} ${e.classNames[i]}`.slice(0, width).padEnd(width)}  ${row.map((n) => String(n).padStart(cell)).join(" ")}`,
    );
  });
  return lines.join("\n");
}
