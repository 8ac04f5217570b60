import {
  APPLICATION_NAMES,
  type ApplicationName,
  application,
  buildVGG,
  freezeLayers,
  KERAS_VGG_FILTERS,
  preprocessInput,
  type VGGOptions,
} from "@graft/models";
import { sgdMomentum } from "@graft/training";
import type * as tfc from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { oneOf, parse, positiveInt } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { Io } from "../io.ts";
import { formatDeviceProfile, formatProfile, type KernelTime, profileKernels } from "../profile.ts";
import { BACKEND_CHOICES, type BackendChoice, initTf } from "../tf.ts";

export const benchHelp = `Usage: graft bench --model vgg19|resnet50|… --task extract|train [--input-size 224] [--batch-size 8]
                   [--filters 64,128,256,512,512] [--backend auto|graft-cpu|cpu|wasm] [--steps N]
                   [--warmup N] [--profile] [--json]

Times the base's forward pass (extract) or the classic recipe's training step (train:
base with layers[:5] frozen, Flatten → Dense 1024 relu → Dropout 0.5 → Dense 1024 relu →
Dense 16 softmax, SGD lr 1e-4 momentum 0.9, categorical cross-entropy; a base other than
VGG pools globally instead of Flatten, as graft train does) on random data, after one
warm-up step. --model: ${APPLICATION_NAMES.join(", ")}. Prints images per second; --json adds every step's time.
--profile also times every kernel of the backend over the timed steps and prints the
hottest ones: on graft-cuda with device events (and the time to enqueue a step against
its wall time, launches per kernel, uploads and reads with the time they held the JS
thread, pool growth, plan misses); on the CPU backends by wall time. --warmup N untimed
steps first (default 1). --filters gives the five blocks' widths (Keras' by default), for
the narrow VGG-shaped networks small datasets are often trained on.`;

export interface BenchResult {
  model: string;
  task: "extract" | "train";
  backend: string;
  input_size: number;
  batch_size: number;
  /** The five blocks' convolution widths (VGG; empty for other families). */
  filters: number[];
  steps: number;
  step_seconds: number[];
  img_per_s: number;
  /** With `profile`: wall time per kernel over the timed steps, longest first. */
  kernels?: KernelTime[];
  /** Untimed steps before the timed ones (pool growth, plan caches, first-use costs). */
  warmup: number;
  median_seconds: number;
  img_per_s_median: number;
  /** With `profile` on graft-cuda: what each timed step enqueued, waited on and ran (CudaStepProfile). */
  device_profile?: unknown[];
}

/** One width per VGG block. */
type BlockWidths = NonNullable<VGGOptions["blockFilters"]>;

/** The graft-cuda backend's step profiler, where the active backend has one. */
interface StepProfiler {
  profileBegin(): void;
  profileEnd(): unknown;
}

function isVGG(name: ApplicationName): name is "vgg16" | "vgg19" {
  return name === "vgg16" || name === "vgg19";
}

/** The base without top, random weights: VGG with `blockFilters` where given. */
function benchBase(name: ApplicationName, size: number, blockFilters?: BlockWidths) {
  const shape = { includeTop: false, inputShape: [size, size, 3] as [number, number, number] };
  if (isVGG(name))
    return buildVGG(name, { ...shape, weights: null, ...(blockFilters ? { blockFilters } : {}) });
  return application(name).build({ ...shape, weights: null });
}

/**
 * The classic recipe's network: a base with layers[:5] frozen and the
 * Flatten-Dense-Dropout-Dense-Dense head (global average pooling instead of Flatten for a base
 * other than VGG, as graft train's default head).
 */
export function recipeModel(
  variant: ApplicationName,
  size: number,
  blockFilters?: BlockWidths,
): tfl.LayersModel {
  const base = benchBase(variant, size, blockFilters);
  freezeLayers(base, 5);
  let x = base.output as tfl.SymbolicTensor;
  x = (isVGG(variant) ? tfl.layers.flatten() : tfl.layers.globalAveragePooling2d({})).apply(
    x,
  ) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 1024, activation: "relu" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dropout({ rate: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 1024, activation: "relu" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: 16, activation: "softmax" }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: base.inputs, outputs: x });
}

export async function runBench(
  tf: typeof tfc,
  o: {
    model: ApplicationName;
    task: "extract" | "train";
    size: number;
    batch: number;
    steps: number;
    profile?: boolean;
    /** Untimed steps first (default 1). */
    warmup?: number;
    /** The five blocks' widths (Keras' VGG by default). */
    filters?: BlockWidths;
  },
): Promise<BenchResult> {
  const vgg = isVGG(o.model);
  if (!vgg && o.filters) throw new UsageError(`--filters: narrows a VGG base only, not ${o.model}`);
  const filters: number[] = vgg ? (o.filters ?? [...KERAS_VGG_FILTERS]) : [];
  const mode = application(o.model).preprocess;
  const warmup = o.warmup ?? 1;
  const device = tf.backend() as Partial<StepProfiler>;
  // graft-cuda profiles each step on the device (events around kernels, transfers);
  // the synchronous CPU backends by wall time per kernel.
  const stepProfiler =
    o.profile && typeof device.profileBegin === "function" ? (device as StepProfiler) : null;
  const deviceProfile: unknown[] = [];
  const profiler = o.profile && !stepProfiler ? profileKernels(tf, tf.getBackend()) : null;
  const x = tf.tidy(() =>
    preprocessInput(tf.randomUniform([o.batch, o.size, o.size, 3], 0, 255), mode),
  );
  const seconds: number[] = [];
  if (o.task === "extract") {
    const model = benchBase(o.model, o.size, vgg ? (filters as BlockWidths) : undefined);
    for (let i = 0; i < warmup + o.steps; i++) {
      const timed = i >= warmup;
      if (timed) stepProfiler?.profileBegin();
      const t0 = performance.now();
      const y = model.predict(x) as tfc.Tensor;
      await y.data();
      y.dispose();
      if (timed) seconds.push((performance.now() - t0) / 1000);
      if (timed && stepProfiler) deviceProfile.push(stepProfiler.profileEnd());
      if (i === warmup - 1) profiler?.reset();
    }
    model.dispose();
  } else {
    const model = recipeModel(o.model, o.size, vgg ? (filters as BlockWidths) : undefined);
    model.compile({
      optimizer: sgdMomentum(1e-4, 0.9),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
    });
    const labels = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: o.batch }, (_, i) => i % 16),
          "int32",
        ),
        16,
      ),
    );
    for (let i = 0; i < warmup + o.steps; i++) {
      const timed = i >= warmup;
      if (timed) stepProfiler?.profileBegin();
      const t0 = performance.now();
      await model.trainOnBatch(x, labels);
      if (timed) seconds.push((performance.now() - t0) / 1000);
      if (timed && stepProfiler) deviceProfile.push(stepProfiler.profileEnd());
      if (i === warmup - 1) profiler?.reset();
    }
    labels.dispose();
    model.dispose();
  }
  x.dispose();
  const kernels = profiler?.report();
  profiler?.stop();
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    model: o.model,
    task: o.task,
    backend: tf.getBackend(),
    input_size: o.size,
    batch_size: o.batch,
    filters,
    steps: o.steps,
    step_seconds: seconds,
    img_per_s: o.batch / mean,
    warmup,
    median_seconds: median,
    img_per_s_median: o.batch / median,
    ...(kernels ? { kernels } : {}),
    ...(stepProfiler ? { device_profile: deviceProfile } : {}),
  };
}

/** `--filters 8,16,32,64,64`: five positive widths, or a usage error saying what is wrong. */
function blockWidths(text: string): BlockWidths {
  const parts = text.split(",").map((p) => p.trim());
  const widths = parts.map(Number);
  if (parts.length !== 5 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 4096))
    throw new UsageError(
      `Expected --filters to be five widths from 1 to 4096 separated by commas, one per VGG block (e.g. 8,16,32,64,64), but received ${JSON.stringify(text)}`,
    );
  return widths as BlockWidths;
}

export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      model: { type: "string", default: "vgg19" },
      task: { type: "string" },
      "input-size": { type: "string" },
      "batch-size": { type: "string" },
      backend: { type: "string", default: "auto" },
      steps: { type: "string" },
      warmup: { type: "string" },
      filters: { type: "string" },
      json: { type: "boolean" },
      profile: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "bench",
  );
  if (values.help) {
    io.out(benchHelp);
    return 0;
  }
  const model = oneOf(values.model, "--model", APPLICATION_NAMES) as ApplicationName;
  const task = oneOf(values.task, "--task", ["extract", "train"] as const);
  if (!task) throw new UsageError("bench: --task extract|train is required");
  const backend = oneOf(values.backend, "--backend", BACKEND_CHOICES) as BackendChoice;
  const size = positiveInt(
    values["input-size"],
    "--input-size",
    model ? application(model).defaultSize : 224,
  ) as number;
  const batch = positiveInt(values["batch-size"], "--batch-size", 8) as number;
  const steps = positiveInt(values.steps, "--steps", 3) as number;
  const warmup = positiveInt(values.warmup, "--warmup", 1) as number;
  if (size < 32)
    throw new UsageError(`Expected an --input-size of at least 32 but received ${size}`);
  const filters = values.filters === undefined ? undefined : blockWidths(values.filters);
  const tf = await initTf(backend);
  const r = await runBench(tf, {
    model,
    task,
    size,
    batch,
    steps,
    warmup,
    profile: values.profile,
    ...(filters ? { filters } : {}),
  });
  if (values.json) io.out(JSON.stringify(r));
  else {
    io.out(
      `${r.model} ${r.task} on ${r.backend}: ${r.img_per_s.toFixed(2)} img/s (median ${r.img_per_s_median.toFixed(2)}; ${r.input_size}px, batch ${r.batch_size}${r.filters.length ? `, filters ${r.filters.join("-")}` : ""}, ${r.steps} steps after ${r.warmup} warm-up)`,
    );
    if (r.device_profile) io.out(formatDeviceProfile(r.device_profile));
    if (r.kernels) {
      const stepMs = (1000 * r.batch_size) / r.img_per_s;
      io.out(formatProfile(r.kernels, r.steps, stepMs));
    }
  }
  return 0;
}
