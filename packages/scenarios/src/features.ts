/**
 * Running images through a frozen network once and keeping what comes out:
 * a head then trains on these features in a fraction of the time the whole
 * network would take per epoch.
 */
import type { DirectoryIterator } from "@graft/data";
import { type PreprocessMode, preprocessInput } from "@graft/models";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

export interface Features {
  /** [N, ...feature shape] */
  x: tf.Tensor;
  /** [N, classes] one-hot, in the same order */
  y: tf.Tensor2D;
  /** The file index (into the iterator's filenames) of each row. */
  indices: Int32Array;
}

export interface ExtractOptions {
  preprocess: PreprocessMode;
  /** Passes over the data (with augmentation, K augmented copies); default 1. */
  passes?: number;
  /** Called after each batch with images done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Features of every image of `it` (its order, its augmentation), `passes` times over. */
export async function extractFeatures(
  extractor: tfl.LayersModel,
  it: DirectoryIterator,
  options: ExtractOptions,
): Promise<Features> {
  const passes = options.passes ?? 1;
  const outShape = (extractor.outputs[0] as tfl.SymbolicTensor).shape.slice(1) as number[];
  const per = outShape.reduce((a, b) => a * b, 1);
  const total = it.samples * passes;
  const x = new Float32Array(total * per);
  const y = new Float32Array(total * it.numClasses);
  const indices = new Int32Array(total);
  let row = 0;
  for (let p = 0; p < passes; p++) {
    for await (const batch of it) {
      const n = batch.xs.shape[0];
      const feats = tf.tidy(() => {
        const pre = preprocessInput(batch.xs, options.preprocess);
        return extractor.predict(pre, { batchSize: n }) as tf.Tensor;
      });
      x.set(await feats.data(), row * per);
      if (batch.ys) y.set(await batch.ys.data(), row * it.numClasses);
      indices.set(batch.indices, row);
      tf.dispose([feats, batch.xs, batch.ys as tf.Tensor]);
      row += n;
      options.onProgress?.(row, total);
    }
  }
  return {
    x: tf.tensor(x, [total, ...outShape]),
    y: tf.tensor2d(y, [total, it.numClasses]),
    indices,
  };
}
