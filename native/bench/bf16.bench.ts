/**
 * graft-cpu's bf16 mode (GRAFT_CPU_MATH=bf16) against its fp32 default, beside
 * Keras with the mixed_bfloat16 policy (and Keras fp32) measured in the same run:
 *
 * 1. kernels: VGG19's conv shapes at batch 8, forward (+bias+relu), backprop
 *    input and backprop filter, ms in fp32 and bf16 and bf16's normwise error
 *    max|y_bf16 − y_fp32| / max|y_fp32|;
 * 2. VGG19 224 px batch 8: `graft bench --task extract|train` with and without
 *    GRAFT_CPU_MATH=bf16, and `keras_vgg19.py --task extract|train [--bf16]`.
 *
 *   pnpm --filter @graft/native exec tsx bench/bf16.bench.ts
 *
 * BENCH_SIZE, BENCH_BATCH, BENCH_STEPS, BENCH_ROUNDS override 224 / 8 / 3 / 2;
 * BENCH_PARTS=kernels or BENCH_PARTS=models runs one part; the Keras reference runs on
 * the first Python findPython finds with keras and tensorflow ($PYTHON, then pnpm bench:setup's).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";
import { loadAddon } from "../ts/index.ts";
import { graftBenchArgs } from "./graft-cli.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const size = process.env.BENCH_SIZE ?? "224";
const batch = process.env.BENCH_BATCH ?? "8";
const steps = process.env.BENCH_STEPS ?? "3";
const python = findPython("keras, tensorflow");
const parts = (process.env.BENCH_PARTS ?? "kernels,models").split(",");
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const cpu = loadAddon().cpu;
const stats = cpu.cpuStats();
console.log(
  `graft-cpu: ${stats.threads} threads (${stats.threadsNote}); native bf16: ${stats.bf16 ? "yes" : `no (${stats.bf16Reason})`}`,
);
if (!stats.bf16) {
  console.log("bf16 mode is refused on this CPU: nothing to compare.");
  process.exit(0);
}

// --- 1. kernels ---

function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = scale * ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1);
  }
  return out;
}

function relErr(a: Float32Array, e: Float32Array): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (e[i] as number)));
    s = Math.max(s, Math.abs(e[i] as number));
  }
  return d / s;
}

type Mode = "fp32" | "bf16";

/** Best of `reps` runs of fn in each mode, fp32 and bf16 interleaved (the machine is shared). */
function bestOf(fn: (mode: Mode) => void, reps: number): Record<Mode, number> {
  const best = { fp32: Number.POSITIVE_INFINITY, bf16: Number.POSITIVE_INFINITY };
  for (const m of ["fp32", "bf16"] as const) {
    cpu.setMath(m);
    fn(m); // plans, buffers
  }
  for (let r = 0; r < reps; r++)
    for (const m of ["fp32", "bf16"] as const) {
      cpu.setMath(m);
      const t0 = performance.now();
      fn(m);
      best[m] = Math.min(best[m], performance.now() - t0);
    }
  cpu.setMath("fp32");
  return best;
}

function kernels(): void {
  const n = Number(batch);
  const layers: [string, number, number, number][] = [
    ["block1_conv1", 224, 3, 64],
    ["block1_conv2", 224, 64, 64],
    ["block2_conv2", 112, 128, 128],
    ["block3_conv2", 56, 256, 256],
    ["block4_conv2", 28, 512, 512],
    ["block5_conv2", 14, 512, 512],
  ];
  console.log(
    `\n1. Kernels, batch ${n}, 3x3 'same': ms fp32 / bf16 (best of 3) and bf16's normwise error`,
  );
  console.log(
    "| layer | forward+bias+relu | err | backprop input | err | backprop filter | err |\n|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const [name, hw, c, oc] of layers) {
    const p = Int32Array.of(n, hw, hw, c, 3, 3, oc, hw, hw, 1, 1, 1, 1, 1, 1, 1, 1);
    const x = random(n * hw * hw * c, 1);
    const w = random(9 * c * oc, 2, Math.sqrt(2 / (9 * c)));
    const b = random(oc, 3, 0.1);
    const dy = random(n * hw * hw * oc, 4);
    const out = (len: number): Record<Mode, Float32Array> => ({
      fp32: new Float32Array(len),
      bf16: new Float32Array(len),
    });
    const y = out(n * hw * hw * oc);
    const dx = out(x.length);
    const dw = out(w.length);
    // Each mode writes its own output, so the two can be compared afterwards.
    const cell = (run: (m: Mode) => void, o: Record<Mode, Float32Array>) => {
      const t = bestOf(run, 3);
      return `${t.fp32.toFixed(0)} / ${t.bf16.toFixed(0)} | ${relErr(o.bf16, o.fp32).toExponential(1)}`;
    };
    const fwd = cell((m) => cpu.conv2d(x, w, b, y[m], p, 1, 0), y);
    const bwdD = cell((m) => cpu.conv2dBackpropInput(dy, w, dx[m], p), dx);
    const bwdW = cell((m) => cpu.conv2dBackpropFilter(x, dy, dw[m], p), dw);
    console.log(`| ${name} ${n}x${hw}x${hw}x${c}→${oc} | ${fwd} | ${bwdD} | ${bwdW} |`);
  }
  const s = cpu.cpuStats();
  console.log(`bf16 runs ${s.bf16Runs}, fp32 fallbacks ${s.bf16FallbackRuns}`);
  cpu.clearCaches();
}

// --- 2. VGG19 ---

interface Figure {
  img_per_s: number;
  [k: string]: unknown;
}

function run(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Figure | null {
  process.stdout.write(`… ${label}\n`);
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 26,
  });
  const line = r.stdout
    ?.trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (r.status !== 0 || !line) {
    const why = (r.stderr || r.stdout || String(r.error)).trim().split("\n").slice(-2).join(" | ");
    console.log(`  ${label}: failed (${why})`);
    return null;
  }
  const f = JSON.parse(line) as Figure;
  const secs = (f.step_seconds as number[] | undefined)?.map((v) => v.toFixed(2)).join(", ");
  console.log(`  ${label}: ${f.img_per_s.toFixed(2)} img/s (steps ${secs} s)`);
  return f;
}

const graft = (task: string, math: Mode) =>
  run(
    `graft-cpu ${task} ${math}`,
    process.execPath,
    graftBenchArgs({ task, backend: "graft-cpu", size, batch, steps }),
    { GRAFT_CPU_MATH: math },
  );

const keras = (task: string, bf16: boolean) =>
  run(`Keras ${task} ${bf16 ? "mixed_bfloat16" : "fp32"}`, python as string, [
    join(here, "keras_vgg19.py"),
    "--task",
    task,
    "--size",
    size,
    "--batch",
    batch,
    "--steps",
    steps,
    ...(bf16 ? ["--bf16"] : []),
  ]);

function models(): void {
  console.log(
    `\n2. VGG19, ${size} px, batch ${batch}, ${steps} timed steps after 1 warm-up; ${rounds} rounds, ` +
      "each config once per round in turn, the best round kept (the machine is shared)",
  );
  const hasKeras = python !== null;
  if (!hasKeras) console.log(`  Keras: ${missingReference("keras, tensorflow")}`);
  const configs: [string, () => Figure | null][] = [];
  for (const task of ["extract", "train"]) {
    configs.push([`${task}.fp32`, () => graft(task, "fp32")]);
    configs.push([`${task}.bf16`, () => graft(task, "bf16")]);
    if (hasKeras) {
      configs.push([`${task}.keras`, () => keras(task, false)]);
      configs.push([`${task}.kerasBf16`, () => keras(task, true)]);
    }
  }
  const r: Record<string, Figure | null> = {};
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    for (const [key, measure] of configs) {
      const f = measure();
      const best = r[key];
      if (f && (!best || f.img_per_s > best.img_per_s)) r[key] = f;
      else if (!best) r[key] = null;
    }
  }
  const fmt = (f: Figure | null | undefined) => (f ? f.img_per_s.toFixed(2) : "—");
  const ratio = (a: Figure | null | undefined, b: Figure | null | undefined) =>
    a && b ? `${(a.img_per_s / b.img_per_s).toFixed(2)}×` : "—";
  console.log(
    "\n| img/s | graft fp32 | graft bf16 | Keras fp32 | Keras mixed_bfloat16 | graft bf16 / Keras bf16 (target ≥ 1.0×) | graft bf16 / graft fp32 |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const task of ["extract", "train"]) {
    const g = r[`${task}.fp32`];
    const gb = r[`${task}.bf16`];
    const k = r[`${task}.keras`];
    const kb = r[`${task}.kerasBf16`];
    console.log(
      `| ${task} | ${fmt(g)} | ${fmt(gb)} | ${fmt(k)} | ${fmt(kb)} | ${ratio(gb, kb)} | ${ratio(gb, g)} |`,
    );
  }
}

if (parts.includes("kernels")) kernels();
if (parts.includes("models")) models();
