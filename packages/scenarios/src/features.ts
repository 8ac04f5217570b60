/**
 * Running images through a frozen network once and keeping what comes out:
 * a head then trains on these features in a fraction of the time the whole
 * network would take per epoch.
 */
import type { DirectoryIterator } from "@graft/data";
import { type PreprocessMode, preprocessInput } from "@graft/models";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** Features computed once by a frozen network, with their one-hot labels. */
export interface Features {
  /** [N, ...feature shape] */
  x: tf.Tensor;
  /** [N, classes] one-hot, in the same order */
  y: tf.Tensor2D;
  /** The file index (into the iterator's filenames) of each row. */
  indices: Int32Array;
}

/** Options of `extractFeatures`. */
export interface ExtractOptions {
  /** Preprocessing applied to each batch before the network. */
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

/**
 * Cached features as a `fitDataset` dataset, reshuffled at each epoch's first batch
 * from Math.random (which training seeds and checkpoints). tfjs' own `fit(x, y)`
 * shuffles one index array in place epoch after epoch, so its order after a resume
 * would differ from an uninterrupted run's; this order depends on the random state alone.
 */
export function featureDataset(x: tf.Tensor, y: tf.Tensor, batchSize: number, shuffle = true) {
  const n = x.shape[0] as number;
  return {
    size: Math.ceil(n / batchSize),
    async iterator() {
      let order: Int32Array | null = null;
      let pos = 0;
      return {
        async next(): Promise<IteratorResult<{ xs: tf.Tensor; ys: tf.Tensor }>> {
          if (order === null) {
            order = Int32Array.from({ length: n }, (_, i) => i);
            if (shuffle) {
              for (let i = n - 1; i > 0; i--) {
                const j = Math.floor(Math.random() * (i + 1));
                const t = order[i] as number;
                order[i] = order[j] as number;
                order[j] = t;
              }
            }
          }
          if (pos >= n) return { done: true, value: undefined };
          const idx = tf.tensor1d(order.subarray(pos, pos + batchSize), "int32");
          pos += batchSize;
          const value = { xs: tf.gather(x, idx), ys: tf.gather(y, idx) };
          idx.dispose();
          return { done: false, value };
        },
      };
    },
  };
}
