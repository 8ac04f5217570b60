// The classic Keras recipe as a user writes it in their own project, against the
// installed packages only: a VGG19-shaped base (the demo's pretrained weights),
// layers[:5] frozen, Flatten → Dense → Dropout → Dense → softmax, the recipe's
// augmentation from class folders, SGD with momentum, the best val_acc checkpoint and
// early stopping. Compiled by the consumer test with a strict tsconfig, then run with
// plain node: `node recipe.js OUT_DIR EPOCHS`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ImageDataGenerator } from "@graft/augment";
import { demoFile, demoManifest } from "@graft/demo";
import { freezeLayers, preprocessInput, VGG19 } from "@graft/models";
import "@graft/native/graft-cpu";
import { EarlyStopping, ModelCheckpoint } from "@graft/training";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

const out = process.argv[2] ?? "run";
const epochs = Number(process.argv[3] ?? "1");

await tf.ready();
const m = demoManifest();
const [height, width] = m.inputSize;
const classes = m.target.classes.length;

// keras.applications.VGG19(weights=..., include_top=False, input_shape=(32, 32, 3))
const base = await VGG19({
  weights: demoFile(m.weights.file),
  includeTop: false,
  inputShape: [height, width, 3],
  blockFilters: m.blockFilters,
});
freezeLayers(base, 5); // for layer in model.layers[:5]: layer.trainable = False

const features = base.outputs[0] as tfl.SymbolicTensor;
let x = tfl.layers.flatten().apply(features) as tfl.SymbolicTensor;
x = tfl.layers
  .dense({ units: m.recipe.headUnits, activation: "relu" })
  .apply(x) as tfl.SymbolicTensor;
x = tfl.layers.dropout({ rate: m.recipe.dropout }).apply(x) as tfl.SymbolicTensor;
x = tfl.layers
  .dense({ units: m.recipe.headUnits, activation: "relu" })
  .apply(x) as tfl.SymbolicTensor;
const predictions = tfl.layers
  .dense({ units: classes, activation: "softmax" })
  .apply(x) as tfl.SymbolicTensor;
const model = tfl.model({ inputs: base.inputs, outputs: predictions });
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
const train = await trainGen.flowFromDirectory(demoFile("target", "train"), {
  targetSize: [height, width],
  batchSize: m.recipe.batchSize,
  seed: 1,
});
const val = await valGen.flowFromDirectory(demoFile("target", "val"), {
  targetSize: [height, width],
  batchSize: m.recipe.batchSize,
  shuffle: false,
});

const best = join(out, "best.h5");
const history = await model.fitDataset(train.toDataset(), {
  epochs,
  validationData: val.toDataset(),
  verbose: 0,
  callbacks: [
    new ModelCheckpoint({ filepath: best, monitor: "val_acc", saveBestOnly: true }),
    new EarlyStopping({ monitor: "val_acc", patience: 10 }),
  ],
});

const valAcc = history.history.val_acc ?? [];
console.log(
  JSON.stringify({
    backend: tf.getBackend(),
    epochs: history.epoch.length,
    valAcc: valAcc.map(Number),
    checkpoint: existsSync(best),
  }),
);
