/**
 * The training run the resume test repeats: a small model with BatchNorm
 * (non-trainable moving statistics), seeded Dropout and Adam (optimizer
 * slots), trained one epoch per fit() call on data the caller's SeededRandom
 * shuffles, with tfjs' own shuffle off.
 *
 * Run as a script it trains in a child process, saving the training state
 * after every epoch, prints "saved N" and then hangs until killed:
 *
 *     tsx resume.ts DIR STOP_AFTER
 */
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { kerasAdam, SeededRandom, saveTrainingState } from "../../src/index.ts";

export const TOTAL_EPOCHS = 4;

export function buildModel(seed: number): tfl.LayersModel {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed * 10 + s });
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 8,
        inputShape: [4],
        activation: "relu",
        kernelInitializer: init(1),
      }),
      tfl.layers.batchNormalization({}),
      tfl.layers.dropout({ rate: 0.3, seed: 7 }),
      tfl.layers.dense({ units: 3, activation: "softmax", kernelInitializer: init(2) }),
    ],
  });
  model.compile({
    optimizer: kerasAdam(0.05),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  return model;
}

export function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = new SeededRandom(123);
  const xs: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 24; i++) {
    const row = [rng.next(), rng.next(), rng.next(), rng.next()].map((v) => v * 2 - 1);
    xs.push(...row);
    labels.push(row[0]! + row[1]! > 0.3 ? 0 : row[2]! > 0 ? 1 : 2);
  }
  return {
    x: tf.tensor2d(xs, [24, 4]),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), 3) as tf.Tensor2D,
  };
}

/** Epochs `from`..`to`-1, each on a fresh shuffle drawn from `rng`. Returns the last val loss. */
export async function runEpochs(
  model: tfl.LayersModel,
  rng: SeededRandom,
  from: number,
  to: number,
  afterEpoch?: (epoch: number) => Promise<void>,
): Promise<void> {
  const { x, y } = data();
  for (let epoch = from; epoch < to; epoch++) {
    const idx = tf.tensor1d(rng.permutation(x.shape[0]), "int32");
    const xs = tf.gather(x, idx);
    const ys = tf.gather(y, idx);
    await model.fit(xs, ys, {
      epochs: epoch + 1,
      initialEpoch: epoch,
      batchSize: 2,
      shuffle: false,
      verbose: 0,
    });
    tf.dispose([idx, xs, ys]);
    await afterEpoch?.(epoch + 1);
  }
  tf.dispose([x, y]);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [dir, stopAfter] = [process.argv[2]!, Number(process.argv[3])];
  await import("@tensorflow/tfjs-backend-cpu");
  await tf.setBackend("cpu");
  const model = buildModel(1);
  const rng = new SeededRandom(42);
  await runEpochs(model, rng, 0, TOTAL_EPOCHS, async (done) => {
    await saveTrainingState(dir, { model, epoch: done, rngState: rng.state(), best: null });
    if (done === stopAfter) {
      process.stdout.write(`saved ${done}\n`);
      // Wait to be killed, as a crashed or preempted job would be.
      await new Promise(() => setInterval(() => {}, 1000));
    }
  });
}
