/**
 * `graft bench` on graft-cuda: the CLI's own runBench (VGG19 recipe training step, and
 * base extraction), with graft-cuda registered first so that tfjs picks it (priority
 * 4) where a GPU is usable, else graft-cpu, else cpu. Run by scripts/gpu-check.sh, which
 * carries no sharp (the CLI's main imports it for `graft augment`), hence this entry.
 * Prints one JSON line per task, then the graft-cuda kernel counts of the last task.
 *
 * usage: node --import tsx apps/cli/bench/cuda_vgg19.bench.ts [extract|train ...]
 * BENCH_SIZE (224), BENCH_BATCH (16), BENCH_STEPS (5).
 */
import "@graft/native/graft-cpu";
import "@graft/native/graft-cuda";
import type { GraftCudaBackend } from "@graft/native/graft-cuda";
import * as tf from "@tensorflow/tfjs-core";
import { runBench } from "../src/commands/bench.ts";
import { formatDeviceProfile, summarizeDeviceProfile } from "../src/profile.ts";

const size = Number(process.env.BENCH_SIZE ?? 224);
const batch = Number(process.env.BENCH_BATCH ?? 16);
const steps = Number(process.env.BENCH_STEPS ?? 5);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);
// BENCH_PROFILE=1: one more run of each task with the device profile (its own line).
const profile = process.env.BENCH_PROFILE === "1";
const tasks = (process.argv.slice(2).length ? process.argv.slice(2) : ["extract", "train"]) as (
  | "extract"
  | "train"
)[];

tf.env().set("PROD", true);
await tf.ready();
// scripts/gpu-check.sh on the device: a graft-cuda that failed to start must not turn
// into minutes of VGG19 on the CPU.
if (process.env.GRAFT_BENCH_REQUIRE_CUDA === "1" && tf.getBackend() !== "graft-cuda") {
  console.error(`graft-cuda is not the backend (got ${tf.getBackend()}): stopping`);
  process.exit(1);
}
for (const task of tasks) {
  const backend = tf.backend() as Partial<GraftCudaBackend>;
  backend.resetStats?.();
  const r = await runBench(tf, { model: "vgg19", task, size, batch, steps, warmup });
  const peak = (backend.native?.cudaStats?.() as { peakBytes?: number } | undefined)?.peakBytes;
  console.log(JSON.stringify({ ...r, peak_tensor_bytes: peak }));
  if (profile) {
    const p = await runBench(tf, {
      model: "vgg19",
      task,
      size,
      batch,
      steps: 3,
      warmup: 2,
      profile: true,
    });
    if (p.device_profile) {
      console.log(JSON.stringify({ task, profile: summarizeDeviceProfile(p.device_profile) }));
      console.log(formatDeviceProfile(p.device_profile));
    }
  }
  if (backend.stats && backend.hostRoundTrips) {
    console.log(
      JSON.stringify({
        task,
        hostRoundTrips: backend.hostRoundTrips(),
        reads: backend.stats.reads,
        native: backend.native?.cudaStats(),
      }),
    );
  }
}
