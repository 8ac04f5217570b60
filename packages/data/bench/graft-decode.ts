/** One process: graft's flow_from_directory without augmentation; prints {"images_per_second": …} last. */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { flowFromDirectory } from "../src/index.ts";

const [dir] = process.argv.slice(2) as [string];
await tf.setBackend("cpu");
tf.env().set("PROD", true);
const env = process.env;
const it = await flowFromDirectory(dir, {
  targetSize: [256, 256],
  batchSize: 16,
  seed: 1,
  warn: () => {},
  ...(env.GRAFT_WORKERS ? { workers: Number(env.GRAFT_WORKERS) } : {}),
  ...(env.GRAFT_CONCURRENCY ? { concurrency: Number(env.GRAFT_CONCURRENCY) } : {}),
  ...(env.GRAFT_PREFETCH ? { prefetch: Number(env.GRAFT_PREFETCH) } : {}),
});
for (let i = 0; i < 3; i++) {
  const b = await it.next();
  tf.dispose([b.xs, b.ys as tf.Tensor]);
}
const t0 = performance.now();
let n = 0;
for await (const b of it) {
  n += b.xs.shape[0];
  tf.dispose([b.xs, b.ys as tf.Tensor]);
}
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ images: n, seconds: s, images_per_second: n / s }));
