/**
 * One measurement, in its own process so peak RSS is ours alone: build VGG19
 * notop (random init), then load the file into it. Prints JSON.
 * `--write PATH` instead saves the model's random weights there in Keras 2's layout: the
 * file the bench times where h5py (which writes the official file's Keras 1 layout) is absent.
 */
import { readFileSync, writeFileSync } from "node:fs";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { loadWeights, saveWeights } from "../src/index.ts";

function kib(field: string): number {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith(field));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

const [path, repeats = "3"] = process.argv.slice(2);
tf.env().set("PROD", true);
await tf.setBackend("cpu");
// VGG19's base with Keras' layer names (@graft/models depends on this package, so it is spelled out here).
const input = tfl.input({ shape: [224, 224, 3] });
let x = input;
[64, 128, 256, 512, 512].forEach((filters, b) => {
  for (let i = 1; i <= [2, 2, 4, 4, 4][b]!; i++) {
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: "same",
        activation: "relu",
        name: `block${b + 1}_conv${i}`,
      })
      .apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers
    .maxPooling2d({ poolSize: 2, name: `block${b + 1}_pool` })
    .apply(x) as tfl.SymbolicTensor;
});
const model = tfl.model({ inputs: input, outputs: x });
if (path === "--write") {
  await saveWeights(model, repeats, { format: "keras2" });
  process.exit(0);
}
// Warm the HDF5 module up outside the clock, as h5py is imported before its clock starts.
await loadWeights(model, path as string);
const times: number[] = [];
let peak = 0;
for (let i = 0; i < Number(repeats); i++) {
  globalThis.gc?.();
  writeFileSync("/proc/self/clear_refs", "5");
  const before = kib("VmRSS:");
  const t0 = performance.now();
  await loadWeights(model, path as string);
  times.push((performance.now() - t0) / 1000);
  peak = Math.max(peak, (kib("VmHWM:") - before) * 1024);
}
console.log(
  JSON.stringify({
    seconds: Math.min(...times),
    peak_rss_growth: peak,
    tensors: tf.memory().numTensors,
  }),
);
