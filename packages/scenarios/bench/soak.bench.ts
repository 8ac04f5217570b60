/**
 * Soak: the classic recipe (the demo's VGG19-shaped base, layers[:5] frozen, the head,
 * the recipe's augmentation from class folders, SGD momentum) trained for many epochs
 * on graft-cpu with a checkpoint written every epoch and a CSV log, recording the
 * process's RSS and tfjs' live tensor count after each epoch. A leak shows as RSS or
 * tensors that keep climbing after the warm-up; the figure printed is the slope of a
 * least-squares line through the epochs after it.
 *
 *   pnpm --filter @graft/scenarios soak          (SOAK_EPOCHS=100, SOAK_WARMUP=10)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { ImageDataGenerator } from "@graft/augment";
import { demoFile, demoManifest } from "@graft/demo";
import { freezeLayers, preprocessInput, VGG19 } from "@graft/models";
import "@graft/native/graft-cpu";
import { CSVLogger, ModelCheckpoint } from "@graft/training";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

const epochs = Number(process.env.SOAK_EPOCHS ?? "100");
const warmup = Number(process.env.SOAK_WARMUP ?? "10");
const out = mkdtempSync(join(tmpdir(), "graft-soak-"));

/** Slope of the least-squares line through (i, ys[i]). */
function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  return sxx === 0 ? 0 : sxy / sxx;
}

class Recorder extends tfl.Callback {
  readonly rssMiB: number[] = [];
  readonly tensors: number[] = [];
  readonly seconds: number[] = [];
  private t = performance.now();
  override async onEpochEnd(): Promise<void> {
    const now = performance.now();
    this.seconds.push((now - this.t) / 1000);
    this.t = now;
    this.rssMiB.push(process.memoryUsage().rss / 2 ** 20);
    this.tensors.push(tf.memory().numTensors);
  }
}

try {
  await tf.ready();
  const m = demoManifest();
  const [height, width] = m.inputSize;
  const base = await VGG19({
    weights: demoFile(m.weights.file),
    includeTop: false,
    inputShape: [height, width, 3],
    blockFilters: m.blockFilters,
  });
  freezeLayers(base, 5);
  let x = tfl.layers.flatten().apply(base.outputs[0] as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({ units: m.recipe.headUnits, activation: "relu" })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: m.recipe.dropout }).apply(x) as tfl.SymbolicTensor;
  const y = tfl.layers
    .dense({ units: m.target.classes.length, activation: "softmax" })
    .apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: base.inputs, outputs: y });
  model.compile({
    optimizer: tf.train.momentum(m.recipe.lr, m.recipe.momentum),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const caffe = (image: tf.Tensor3D): tf.Tensor3D => preprocessInput(image, "caffe");
  const trainGen = new ImageDataGenerator({
    rotationRange: 10,
    widthShiftRange: 0.1,
    heightShiftRange: 0.1,
    zoomRange: 0.1,
    fillMode: "nearest",
    preprocessingFunction: caffe,
  });
  const valGen = new ImageDataGenerator({ preprocessingFunction: caffe });
  const flow = { targetSize: [height, width] as [number, number], batchSize: m.recipe.batchSize };
  const train = await trainGen.flowFromDirectory(demoFile("target", "train"), { ...flow, seed: 1 });
  const val = await valGen.flowFromDirectory(demoFile("target", "val"), {
    ...flow,
    shuffle: false,
  });

  const rec = new Recorder();
  await model.fitDataset(train.toDataset(), {
    epochs,
    validationData: val.toDataset(),
    verbose: 0,
    callbacks: [
      new ModelCheckpoint({ filepath: join(out, "last.h5") }),
      new CSVLogger(join(out, "history.csv")),
      rec,
    ],
  });

  console.log(
    `graft soak on ${cpus().length}× ${cpus()[0]?.model.trim()}, Node.js ${process.version}, backend ${tf.getBackend()}`,
  );
  console.log(
    `${epochs} epochs of the demo recipe (${train.samples} training images), last.h5 and history.csv written each epoch`,
  );
  console.log("epoch   RSS MiB   tensors   seconds");
  rec.rssMiB.forEach((r, i) => {
    if (i < 3 || i === warmup - 1 || (i + 1) % 10 === 0 || i === epochs - 1) {
      console.log(
        `${String(i + 1).padStart(5)}   ${r.toFixed(1).padStart(7)}   ${String(rec.tensors[i]).padStart(7)}   ${rec.seconds[i]?.toFixed(2).padStart(7)}`,
      );
    }
  });
  const after = rec.rssMiB.slice(warmup);
  const tensorsAfter = rec.tensors.slice(warmup);
  console.log(
    `after epoch ${warmup}: RSS slope ${slope(after).toFixed(3)} MiB/epoch (min ${Math.min(...after).toFixed(1)}, max ${Math.max(...after).toFixed(1)}), tensors ${Math.min(...tensorsAfter)}–${Math.max(...tensorsAfter)}`,
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
