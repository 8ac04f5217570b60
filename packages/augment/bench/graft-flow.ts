/** One process: graft's recipe pipeline over a folder; prints {"images_per_second": …} last. */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { ImageDataGenerator } from "../src/index.ts";

const [dir, epochsArg] = process.argv.slice(2) as [string, string?];
await tf.setBackend("cpu");
tf.env().set("PROD", true);
const gen = new ImageDataGenerator({
  rescale: 1 / 255,
  horizontalFlip: true,
  fillMode: "nearest",
  zoomRange: 0.3,
  widthShiftRange: 0.3,
  heightShiftRange: 0.3,
  rotationRange: 30,
});
const it = await gen.flowFromDirectory(dir, {
  targetSize: [256, 256],
  batchSize: 16,
  classMode: "categorical",
  seed: 1,
  warn: () => {},
});
// Warm-up: JIT and the first decodes.
for (let i = 0; i < 3; i++) {
  const b = await it.next();
  tf.dispose([b.xs, b.ys as tf.Tensor]);
}
const epochs = Number(epochsArg ?? 1);
const t0 = performance.now();
let n = 0;
for (let e = 0; e < epochs; e++) {
  for await (const b of it) {
    n += b.xs.shape[0];
    tf.dispose([b.xs, b.ys as tf.Tensor]);
  }
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ images: n, seconds: s, images_per_second: n / s }));
