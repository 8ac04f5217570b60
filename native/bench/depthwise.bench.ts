/**
 * Depthwise convolutions (MobileNetV2's, EfficientNet's, Xception's separable ones) on graft-cpu
 * against tfjs-cpu, the kernels graft-cpu ran in JavaScript before it had native ones: forward,
 * and forward + both gradients (a training step's share), through tfjs' engine as a model runs
 * them, in one process so the two figures share the machine's state. Prints ms per call and
 * the ratio tfjs-cpu / graft-cpu.
 *
 *   pnpm --filter @graft/native bench:depthwise
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-layers registers tfjs-core's gradients (tfjs-core's own entry does not).
import "@tensorflow/tfjs-layers";
import "../ts/graft_cpu.ts";

interface Case {
  name: string;
  n: number;
  h: number;
  c: number;
  k: number;
  s: number;
}
// MobileNetV2 at 224 px, batch 8: block_1 (96 channels, stride 2), block_3's 144 at 56 px,
// block_13's 576 at 14 px (stride 2); EfficientNetB0's 5×5 at 28 px.
const CASES: Case[] = [
  { name: "mobilenetv2 block_1_depthwise", n: 8, h: 112, c: 96, k: 3, s: 2 },
  { name: "mobilenetv2 block_2_depthwise", n: 8, h: 56, c: 144, k: 3, s: 1 },
  { name: "mobilenetv2 block_13_depthwise", n: 8, h: 14, c: 576, k: 3, s: 2 },
  { name: "efficientnetb0 block3a_dwconv", n: 8, h: 56, c: 144, k: 5, s: 2 },
];

function time(f: () => void, reps: number): number {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

async function measure(backend: string, k: Case, reps: number) {
  await tf.setBackend(backend);
  const x = tf.randomUniform([k.n, k.h, k.h, k.c], -1, 1, "float32", 1) as tf.Tensor4D;
  const f = tf.randomUniform([k.k, k.k, k.c, 1], -1, 1, "float32", 2) as tf.Tensor4D;
  // Nothing is returned from tidy: it would walk a returned typed array element by element.
  const forward = time(
    () =>
      tf.tidy(() => {
        tf.depthwiseConv2d(x, f, k.s, "same").dataSync();
      }),
    reps,
  );
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, k.s, "same")),
  );
  const step = time(
    () =>
      tf.tidy(() => {
        for (const g of grads([x, f])) g.dataSync();
      }),
    reps,
  );
  tf.dispose([x, f]);
  return { forward, step };
}

console.log("depthwise convolutions, ms per call (forward; forward + both gradients)");
for (const k of CASES) {
  const ref = await measure("cpu", k, 2);
  const graft = await measure("graft-cpu", k, 5);
  console.log(
    `${k.name.padEnd(32)} ${`${k.n}x${k.h}x${k.h}x${k.c} ${k.k}x${k.k}/${k.s}`.padEnd(22)}` +
      ` forward tfjs-cpu ${ref.forward.toFixed(1)} graft-cpu ${graft.forward.toFixed(1)} (${(ref.forward / graft.forward).toFixed(1)}x);` +
      ` step tfjs-cpu ${ref.step.toFixed(1)} graft-cpu ${graft.step.toFixed(1)} (${(ref.step / graft.step).toFixed(1)}x)`,
  );
}
