import { capabilities, loadAddon } from "@graft/native";
import {
  type CpuEnv,
  effectiveMath,
  GRAFT_CPU_PRIORITY,
  type GraftCpuBackend,
  graftCpuUnavailableReason,
  readCpuEnv,
} from "@graft/native/graft-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { parse } from "../args.ts";
import type { Io } from "../io.ts";

export const backendsHelp = `Usage: graft backends [--json] [--stats]

Every tfjs backend graft knows, whether it can run here and with what, and
which one is the default (the highest priority that initialises).
  --json    one JSON object, for scripts
  --stats   run one small training step on graft-cpu and report, per kernel,
            how many calls ran natively and how many fell back to tfjs-cpu

graft-cpu's bf16= says how GRAFT_CPU_MATH=bf16 would run: amx (AMX tiles, where
bf16 pays), avx512 (AVX512_BF16 without AMX: about half fp32's peak, so slower
than the default fp32) or no (refused: oneDNN would only emulate it).`;

/** How graft-cpu's bf16 mode runs on this CPU (see backendsHelp). */
function bf16Support(stats: { bf16: boolean; amx: boolean }): "amx" | "avx512" | "no" {
  if (!stats.bf16) return "no";
  return stats.amx ? "amx" : "avx512";
}

interface BackendRow {
  name: string;
  priority: number;
  available: boolean;
  default: boolean;
  details: Record<string, unknown>;
  reason?: string;
}

async function wasmRow(): Promise<BackendRow> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    const ok = await tf.setBackend("wasm");
    return {
      name: "wasm",
      priority: 2,
      available: ok,
      default: false,
      details: { threads: 1, simd: true },
    };
  } catch (err) {
    return {
      name: "wasm",
      priority: 2,
      available: false,
      default: false,
      details: {},
      reason: (err as Error).message,
    };
  }
}

async function kernelStats(): Promise<GraftCpuBackend["stats"]> {
  await tf.setBackend("graft-cpu");
  const backend = tf.backend() as GraftCpuBackend;
  const tfl = await import("@tensorflow/tfjs-layers");
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: [16, 16, 3],
      filters: 8,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
    }),
  );
  m.add(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 16, activation: "relu" }));
  m.add(tfl.layers.dropout({ rate: 0.5 }));
  m.add(tfl.layers.dense({ units: 4, activation: "softmax" }));
  m.compile({
    optimizer: tf.train.momentum(1e-3, 0.9),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const x = tf.randomUniform([8, 16, 16, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], "int32"), 4);
  await m.fit(x, y, { epochs: 1, batchSize: 4, validationSplit: 0.25, verbose: 0 });
  m.predict(x);
  return backend.stats;
}

export async function backendsCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(
    argv,
    {
      json: { type: "boolean" },
      stats: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    "backends",
  );
  if (values.help) {
    io.out(backendsHelp);
    return 0;
  }
  tf.env().set("PROD", true);
  const rows: BackendRow[] = [];
  // What the backend's factory checks: the addon, then its environment variables.
  let why = graftCpuUnavailableReason();
  let env: CpuEnv | null = null;
  if (why === null) {
    try {
      env = readCpuEnv();
    } catch (e) {
      why = (e as Error).message;
    }
  }
  let slowBf16 = false;
  if (env !== null) {
    const caps = capabilities();
    const cpu = loadAddon().cpu;
    const math = effectiveMath(cpu, env.math);
    const stats = cpu.cpuStats();
    slowBf16 = math === "bf16" && !stats.amx;
    rows.push({
      name: "graft-cpu",
      priority: GRAFT_CPU_PRIORITY,
      available: true,
      default: false,
      details: {
        onednn: caps.onednnVersion,
        isa: caps.onednnIsa,
        threads: env.threads ?? caps.threads,
        math: env.math !== null && math !== env.math ? `${math} (no native ${env.math})` : math,
        convolutions: env.convAlgorithm ?? "auto",
        bf16: bf16Support(stats),
        addon: caps.version,
      },
    });
  } else {
    rows.push({
      name: "graft-cpu",
      priority: GRAFT_CPU_PRIORITY,
      available: false,
      default: false,
      details: {},
      reason: why ?? "",
    });
  }
  const cuda = await import("@graft/native/graft-cuda");
  const cudaWhy = cuda.graftCudaUnavailableReason();
  rows.push({
    name: "graft-cuda",
    priority: cuda.GRAFT_CUDA_PRIORITY,
    available: cudaWhy === null,
    default: false,
    details: {},
    ...(cudaWhy === null ? {} : { reason: cudaWhy }),
  });
  rows.push({ name: "cpu", priority: 1, available: true, default: false, details: { threads: 1 } });
  rows.push(await wasmRow());
  // "auto" does not register graft-cuda yet (see tf.ts), so it cannot be the default.
  const best = rows
    .filter((r) => r.available && r.name !== "graft-cuda")
    .sort((a, b) => b.priority - a.priority)[0];
  if (best) best.default = true;
  const stats = values.stats && why === null ? await kernelStats() : undefined;
  if (values.json) {
    io.out(JSON.stringify({ backends: rows, ...(stats ? { stats } : {}) }));
    return 0;
  }
  for (const r of rows) {
    const mark = r.default ? "*" : r.available ? " " : "✗";
    const details = Object.entries(r.details)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    io.out(
      `${mark} ${r.name.padEnd(11)} priority ${r.priority}  ${r.available ? details : `unavailable: ${r.reason}`}`,
    );
  }
  io.out("(* = default)");
  if (slowBf16) {
    io.out(
      "note: GRAFT_CPU_MATH=bf16 runs on AVX512_BF16 without AMX here, slower than fp32; unset it for speed",
    );
  }
  if (stats) {
    io.out("");
    io.out("graft-cpu kernels in one small training step (native / fallback to tfjs-cpu):");
    const names = [
      ...new Set([...Object.keys(stats.native), ...Object.keys(stats.fallback)]),
    ].sort();
    for (const n of names) {
      const f = stats.fallback[n];
      const reasons = f
        ? `  (${Object.entries(f.reasons)
            .map(([k, v]) => `${k}: ${v}`)
            .join(", ")})`
        : "";
      io.out(
        `  ${n.padEnd(22)} ${String(stats.native[n] ?? 0).padStart(5)} / ${String(f?.count ?? 0).padStart(3)}${reasons}`,
      );
    }
  }
  return 0;
}
