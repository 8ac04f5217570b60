/**
 * pnpm bench (@graft/native): VGG19 at 224 px, batch 8 — base extraction and the
 * classic recipe's training step — on graft-cpu, beside references measured in
 * the same run: tfjs-backend-wasm (extract), onnxruntime-node (extract), and,
 * where Python has them, PyTorch CPU and Keras/TensorFlow (fp32, and Keras'
 * mixed_bfloat16 for GRAFT_CPU_MATH=bf16 comparisons). Prints ratios. graft also
 * runs with GRAFT_CPU_CONV=direct, to show what its Winograd convolutions bring.
 *
 * BENCH_SIZE, BENCH_BATCH, BENCH_STEPS override 224 / 8 / 3.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";
import { graftBenchArgs } from "./graft-cli.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const work = join(root, ".bench-tmp");
mkdirSync(work, { recursive: true });
const size = process.env.BENCH_SIZE ?? "224";
const batch = process.env.BENCH_BATCH ?? "8";
const steps = process.env.BENCH_STEPS ?? "3";
// A Python with the reference frameworks (node's folder can put a bare python3 first on PATH).
// Each reference from the first Python that has it (pnpm bench:setup's .bench-venv first).
const torchPython = findPython("torch");
const onnxPython = findPython("torch, onnx");
const kerasPython = findPython("keras, tensorflow");

interface Figure {
  img_per_s: number;
  [k: string]: unknown;
}

function lastJson(out: string): Figure {
  const line = out
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (!line) throw new Error(`no JSON in output:\n${out}`);
  return JSON.parse(line) as Figure;
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
  if (r.status !== 0) {
    console.log(
      `  ${label}: failed (${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")})`,
    );
    return null;
  }
  const f = lastJson(r.stdout);
  console.log(`  ${label}: ${f.img_per_s.toFixed(2)} img/s`);
  return f;
}

const graft = (task: string, backend: string, env: NodeJS.ProcessEnv = {}, stepsOverride = steps) =>
  run(
    `graft ${task} on ${backend}${env.GRAFT_CPU_MATH ? ` (${env.GRAFT_CPU_MATH})` : ""}${env.GRAFT_CPU_CONV ? ` (${env.GRAFT_CPU_CONV} convolutions)` : ""}`,
    process.execPath,
    graftBenchArgs({ task, backend, size, batch, steps: stepsOverride }),
    env,
  );

console.log(
  `VGG19, ${size} px, batch ${batch}, ${steps} timed steps after 1 warm-up; ratio = graft / reference\n`,
);
const results: Record<string, Figure | null> = {};
results.graftExtract = graft("extract", "graft-cpu");
results.graftTrain = graft("train", "graft-cpu");
results.graftDirectExtract = graft("extract", "graft-cpu", { GRAFT_CPU_CONV: "direct" });
results.graftDirectTrain = graft("train", "graft-cpu", { GRAFT_CPU_CONV: "direct" });
results.wasmExtract = graft("extract", "wasm", {}, "1");

const onnx = join(work, `vgg19_notop.onnx`);
if (!existsSync(onnx) && onnxPython)
  execFileSync(onnxPython, [join(here, "make_vgg19_onnx.py"), onnx], { stdio: "ignore" });
results.ortExtract = existsSync(onnx)
  ? run("onnxruntime-node extract", process.execPath, [
      "--import",
      "tsx",
      join(here, "ort_vgg19.ts"),
      onnx,
      size,
      batch,
      steps,
    ])
  : null;
if (torchPython) {
  results.torchExtract = run("PyTorch CPU extract", torchPython, [
    join(here, "torch_vgg19_cpu.py"),
    "--task",
    "extract",
    "--size",
    size,
    "--batch",
    batch,
    "--steps",
    steps,
  ]);
  results.torchTrain = run("PyTorch CPU train", torchPython, [
    join(here, "torch_vgg19_cpu.py"),
    "--task",
    "train",
    "--size",
    size,
    "--batch",
    batch,
    "--steps",
    steps,
  ]);
}
if (kerasPython) {
  results.kerasExtract = run("Keras extract", kerasPython, [
    join(here, "keras_vgg19.py"),
    "--task",
    "extract",
    "--size",
    size,
    "--batch",
    batch,
    "--steps",
    steps,
  ]);
  results.kerasTrain = run("Keras train", kerasPython, [
    join(here, "keras_vgg19.py"),
    "--task",
    "train",
    "--size",
    size,
    "--batch",
    batch,
    "--steps",
    steps,
  ]);
}

const ratio = (
  a: Figure | null | undefined,
  b: Figure | null | undefined,
  target: number,
  what: string,
) => {
  if (!a || !b) return console.log(`${what}: not measured (${!a ? "graft" : "reference"} missing)`);
  const r = a.img_per_s / b.img_per_s;
  console.log(
    `${what}: ${a.img_per_s.toFixed(2)} vs ${b.img_per_s.toFixed(2)} img/s = ${r.toFixed(2)}× (target ≥ ${target}×) ${r >= target ? "✓" : "✗"}`,
  );
};
console.log("\nSummary");
ratio(results.graftExtract, results.ortExtract, 0.9, "fp32 extract vs onnxruntime-node");
ratio(results.graftExtract, results.wasmExtract, 10, "fp32 extract vs tfjs wasm");
ratio(results.graftExtract, results.kerasExtract, 1.0, "fp32 extract vs Keras");
ratio(results.graftExtract, results.torchExtract, 1.0, "fp32 extract vs PyTorch CPU");
ratio(results.graftTrain, results.kerasTrain, 1.1, "fp32 train vs Keras");
ratio(results.graftTrain, results.torchTrain, 1.0, "fp32 train vs PyTorch CPU");
ratio(
  results.graftDirectExtract,
  results.kerasExtract,
  1.0,
  "fp32 extract, direct convolutions, vs Keras",
);
ratio(
  results.graftDirectTrain,
  results.kerasTrain,
  1.1,
  "fp32 train, direct convolutions, vs Keras",
);
if (!kerasPython) console.log(`\nKeras: ${missingReference("keras, tensorflow")}`);
if (!torchPython || !onnxPython)
  console.log(
    `PyTorch / ONNX: ${missingReference(torchPython ? "onnx" : "torch, onnx", "pnpm bench:setup --with torch")}`,
  );
