/**
 * Reference for native/bench: onnxruntime-node running the same VGG19 base
 * (ONNX written by make_vgg19_onnx.py, NCHW), all cores. Prints one JSON line.
 *   tsx ort_vgg19.ts MODEL.onnx SIZE BATCH STEPS
 */
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";

const [model, size = "224", batch = "8", steps = "3"] = process.argv.slice(2);
const s = Number(size);
const b = Number(batch);
const session = await ort.InferenceSession.create(model as string, {
  intraOpNumThreads: availableParallelism(),
  graphOptimizationLevel: "all",
});
const x = new ort.Tensor(
  "float32",
  Float32Array.from({ length: b * 3 * s * s }, () => Math.random() * 2 - 1),
  [b, 3, s, s],
);
const times: number[] = [];
for (let i = 0; i <= Number(steps); i++) {
  const t0 = performance.now();
  await session.run({ x });
  if (i > 0) times.push((performance.now() - t0) / 1000);
}
const mean = times.reduce((p, q) => p + q, 0) / times.length;
console.log(
  JSON.stringify({
    reference: "onnxruntime-node",
    version: ort.env.versions.common,
    task: "extract",
    input_size: s,
    batch_size: b,
    step_seconds: times,
    img_per_s: b / mean,
  }),
);
