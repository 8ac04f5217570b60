/**
 * The size matrix (issue 15): VGG19-shaped bases at two widths × input sizes × batch sizes,
 * for extract and the recipe's training step, graft-cpu beside Keras/TensorFlow CPU and
 * (extract) onnxruntime-node, each point measured in the same run, one process per figure.
 * Prints a markdown table with the ratios (graft / reference: above 1 is graft faster).
 *
 *   pnpm --filter @graft/native bench:matrix
 *   BENCH_WIDTHS=narrow BENCH_SIZES=32,64 BENCH_BATCHES=1,32 BENCH_TASKS=train pnpm … bench:matrix
 *
 * Widths: narrow = 8,16,32,64,64, full = Keras' 64,128,256,512,512. Each point runs enough
 * steps for about BENCH_POINT_S seconds of work (default 2, at least 2 steps, at most 30)
 * after one warm-up step, estimated from the point's multiply-adds. The references come
 * from the Python `pnpm bench:setup` installs (`--with torch` for the ONNX file).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";
import { graftBenchArgs } from "./graft-cli.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const work = join(root, ".bench-tmp");
mkdirSync(work, { recursive: true });

const WIDTHS: Record<string, number[]> = {
  narrow: [8, 16, 32, 64, 64],
  // Keras' widths (@graft/models' KERAS_VGG_FILTERS; native does not import the packages).
  full: [64, 128, 256, 512, 512],
};
const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",");
const widths = list("BENCH_WIDTHS", "narrow,full");
const sizes = list("BENCH_SIZES", "32,64,128,224").map(Number);
const batches = list("BENCH_BATCHES", "1,8,32").map(Number);
const tasks = list("BENCH_TASKS", "extract,train") as ("extract" | "train")[];
const pointSeconds = Number(process.env.BENCH_POINT_S ?? 2);
for (const w of widths) if (!WIDTHS[w]) throw new Error(`BENCH_WIDTHS: unknown width ${w}`);

const kerasPython = findPython("keras, tensorflow");
const onnxPython = findPython("torch, onnx");

/** Multiply-adds of one image through the VGG19 base at these widths. */
function baseMacs(w: number[], size: number): number {
  let macs = 0;
  let cin = 3;
  let hw = size;
  [2, 2, 4, 4, 4].forEach((convs, b) => {
    for (let i = 0; i < convs; i++) {
      macs += hw * hw * 9 * cin * (w[b] as number);
      cin = w[b] as number;
    }
    hw = Math.floor(hw / 2);
  });
  return macs;
}

/** Steps for about `pointSeconds` of work, at a rough 40 G multiply-adds per second. */
function stepsFor(w: number[], size: number, batch: number, task: string): number {
  const seconds = (baseMacs(w, size) * batch * (task === "train" ? 3 : 1)) / 40e9;
  return Math.max(2, Math.min(30, Math.ceil(pointSeconds / Math.max(seconds, 1e-4))));
}

interface Figure {
  img_per_s: number;
}

/** One process's last JSON line, or null (with the reason on stdout) when it failed. */
function run(label: string, cmd: string, args: string[]): Figure | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = (r.stdout ?? "")
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (r.status !== 0 || !line) {
    const why = (r.stderr || r.stdout || String(r.error)).trim().split("\n").slice(-1)[0];
    console.log(`  ${label}: failed (${why})`);
    return null;
  }
  return JSON.parse(line) as Figure;
}

const onnxFor = (w: number[]): string | null => {
  const path = join(work, `vgg19_notop_${w.join("-")}_dynamic.onnx`);
  if (!existsSync(path) && onnxPython)
    spawnSync(onnxPython, [join(here, "make_vgg19_onnx.py"), path, w.join(",")], {
      stdio: "ignore",
    });
  return existsSync(path) ? path : null;
};

console.log(
  `VGG19-shaped bases, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; ratio = graft / reference (> 1: graft faster); img/s\n`,
);
const rows: string[] = [];
for (const width of widths) {
  const w = WIDTHS[width] as number[];
  for (const task of tasks) {
    for (const size of sizes) {
      for (const batch of batches) {
        const steps = String(stepsFor(w, size, batch, task));
        const point = `${width} ${task} ${size}px b${batch}`;
        console.log(`… ${point} (${steps} steps)`);
        const common = ["--size", String(size), "--batch", String(batch), "--steps", steps];
        const graft = run(
          "graft",
          process.execPath,
          graftBenchArgs({
            task,
            backend: "graft-cpu",
            size,
            batch,
            steps,
            filters: w,
            source: true,
          }),
        );
        const keras = kerasPython
          ? run("Keras", kerasPython, [
              join(here, "keras_vgg19.py"),
              "--task",
              task,
              ...common,
              "--filters",
              w.join(","),
            ])
          : null;
        const onnx = task === "extract" ? onnxFor(w) : null;
        const ort = onnx
          ? run("onnxruntime-node", process.execPath, [
              "--import",
              "tsx",
              join(here, "ort_vgg19.ts"),
              onnx,
              String(size),
              String(batch),
              steps,
            ])
          : null;
        const fig = (f: Figure | null) => (f ? f.img_per_s.toFixed(1) : "–");
        const ratio = (f: Figure | null) =>
          graft && f ? `${(graft.img_per_s / f.img_per_s).toFixed(2)}×` : "–";
        const row = `| ${width} | ${task} | ${size} | ${batch} | ${fig(graft)} | ${fig(keras)} | ${ratio(keras)} | ${fig(ort)} | ${ratio(ort)} |`;
        console.log(row);
        rows.push(row);
      }
    }
  }
}
console.log(
  "\n| widths | task | px | batch | graft-cpu | Keras | graft/Keras | onnxruntime-node | graft/ort |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(r);
if (!kerasPython) console.log(`\nKeras: ${missingReference("keras, tensorflow")}`);
if (!onnxPython)
  console.log(
    `onnxruntime-node: ${missingReference("torch, onnx", "pnpm bench:setup --with torch")}`,
  );
