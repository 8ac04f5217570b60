/**
 * graft-cuda per layer: VGG19's 16 convolution shapes (BENCH_SIZE, BENCH_BATCH), each
 * as forward, fused forward (conv + bias + ReLU), backprop input and backprop filter,
 * through the tfjs kernels as a training step calls them (filter layout, plan cache
 * and all), timed with device events around BENCH_ITERS calls after 3 warm-up calls.
 * Run twice: cuDNN's heuristics (the default) and the measured search
 * (GRAFT_CUDNN_BENCHMARK=1's). With TORCH_LAYERS=<file of bench/torch_conv_layers.py's
 * lines> it prints graft's time beside PyTorch's per layer and op, and the totals.
 *
 * usage: node --import tsx native/bench/cuda_conv_layers.bench.ts
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { Conv2DBackpropFilter, Conv2DBackpropInput } from "@tensorflow/tfjs-core";
import "../ts/graft_cuda.ts";
import type { GraftCudaBackend } from "../ts/cuda/backend.ts";

const size = Number(process.env.BENCH_SIZE ?? 224);
const batch = Number(process.env.BENCH_BATCH ?? 16);
const iters = Number(process.env.BENCH_ITERS ?? 20);
const modes = (process.env.BENCH_MODES ?? "heuristic,search").split(",");

await tf.ready();
// BENCH_REHEARSE=1: run on whatever backend there is, host-timed (a rehearsal of this script).
const rehearse = process.env.BENCH_REHEARSE === "1";
if (tf.getBackend() !== "graft-cuda" && !rehearse) {
  console.error(`graft-cuda is not the backend (got ${tf.getBackend()}): no GPU here`);
  process.exit(process.env.GRAFT_BENCH_REQUIRE_CUDA === "1" ? 1 : 0);
}
const b = tf.backend() as GraftCudaBackend;
const native = b.native ?? {
  sync: () => {},
  setOptions: () => {},
  clearCaches: () => {},
  ...(() => {
    let marks: number[] = [];
    return {
      mark: () => marks.push(performance.now()) - 1,
      marksElapsed: () => {
        const out = Float64Array.from(marks, (t) => t - (marks[0] as number));
        marks = [];
        return out;
      },
    };
  })(),
};

function shapes(): [string, number, number, number][] {
  const out: [string, number, number, number][] = [];
  let cin = 3;
  let hw = size;
  const blocks: [number, number][] = [
    [64, 2],
    [128, 2],
    [256, 4],
    [512, 4],
    [512, 4],
  ];
  blocks.forEach(([cout, n], k) => {
    for (let i = 1; i <= n; i++) {
      out.push([`block${k + 1}_conv${i}`, hw, cin, cout]);
      cin = cout;
    }
    hw = Math.floor(hw / 2);
  });
  return out;
}

function timeMs(fn: () => tf.Tensor): number {
  for (let i = 0; i < 3; i++) tf.tidy(fn).dispose();
  native.sync();
  native.marksElapsed();
  native.mark();
  for (let i = 0; i < iters; i++) tf.tidy(fn).dispose();
  const last = native.mark();
  return (native.marksElapsed()[last] as number) / iters;
}

const rows: { mode: string; layer: string; op: string; ms: number }[] = [];
for (const mode of modes) {
  native.setOptions({ benchmark: mode === "search" });
  native.clearCaches();
  for (const [layer, hw, cin, cout] of shapes()) {
    const x = tf.randomNormal([batch, hw, hw, cin]) as tf.Tensor4D;
    const w = tf.mul(tf.randomNormal([3, 3, cin, cout]), 0.05) as tf.Tensor4D;
    const bias = tf.randomNormal([cout]) as tf.Tensor1D;
    const dy = tf.randomNormal([batch, hw, hw, cout]) as tf.Tensor4D;
    const conv = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 } as const;
    const ops: Record<string, () => tf.Tensor> = {
      forward: () => tf.conv2d(x, w, 1, "same"),
      fused: () =>
        tf.fused.conv2d({ x, filter: w, bias, strides: 1, pad: "same", activation: "relu" }),
      backprop_input: () =>
        tf
          .engine()
          .runKernel(
            Conv2DBackpropInput,
            { dy, filter: w },
            { ...conv, inputShape: x.shape },
          ) as tf.Tensor,
      backprop_filter: () =>
        tf
          .engine()
          .runKernel(
            Conv2DBackpropFilter,
            { x, dy },
            { ...conv, filterShape: w.shape },
          ) as tf.Tensor,
    };
    for (const [op, fn] of Object.entries(ops)) {
      const ms = timeMs(fn);
      const tflops = (2 * batch * hw * hw * cin * cout * 9) / 1e9 / ms;
      rows.push({ mode, layer, op, ms });
      console.log(
        JSON.stringify({
          anchor: "graft",
          mode,
          layer,
          op,
          size,
          batch,
          ms: +ms.toFixed(4),
          tflops: +tflops.toFixed(1),
        }),
      );
    }
    tf.dispose([x, w, bias, dy]);
  }
}
native.setOptions({ benchmark: false });

const torchFile = process.env.TORCH_LAYERS;
if (torchFile) {
  const torch = new Map<string, number>();
  for (const line of readFileSync(torchFile, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line) as { layer: string; op: string; ms: number; dtype: string };
    if (r.dtype === "fp32") torch.set(`${r.layer}/${r.op}`, r.ms);
  }
  const ops = ["forward", "fused", "backprop_input", "backprop_filter"];
  console.log(
    `\nper layer, ms per call (graft heuristic | graft search | PyTorch fp32/TF32), ${size}px batch ${batch}`,
  );
  console.log(`layer            ${ops.map((o) => o.padEnd(26)).join("")}`);
  const total: Record<string, [number, number, number]> = {};
  for (const [layer] of shapes()) {
    const cells = ops.map((op) => {
      const h =
        rows.find((r) => r.mode === "heuristic" && r.layer === layer && r.op === op)?.ms ??
        Number.NaN;
      const s =
        rows.find((r) => r.mode === "search" && r.layer === layer && r.op === op)?.ms ?? Number.NaN;
      const t = torch.get(`${layer}/${op}`) ?? Number.NaN;
      const acc = total[op] ?? [0, 0, 0];
      total[op] = [acc[0] + h, acc[1] + s, acc[2] + t];
      return `${h.toFixed(3)}|${s.toFixed(3)}|${t.toFixed(3)}`.padEnd(26);
    });
    console.log(`${layer.padEnd(17)}${cells.join("")}`);
  }
  console.log(
    `${"total".padEnd(17)}${ops
      .map((op) =>
        (total[op] ?? [0, 0, 0])
          .map((v) => v.toFixed(2))
          .join("|")
          .padEnd(26),
      )
      .join("")}`,
  );
  console.log(
    JSON.stringify({
      summary: "conv layers",
      size,
      batch,
      totals: Object.fromEntries(ops.map((op) => [op, total[op]])),
    }),
  );
}
