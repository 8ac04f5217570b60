/**
 * pnpm --filter cli bench:applications: each family's default member beyond VGG (ResNet50,
 * ResNet50V2) at 224 px, batch 8 — base extraction and the recipe's training step — on
 * graft-cpu, beside Keras/TensorFlow CPU measured in the same run (keras_applications.py,
 * the same network and recipe). Prints img/s and the ratio graft / Keras (issue 16's target:
 * ≥ 1.5×). Where TensorFlow's oneDNN path crashes (SIGFPE on ResNets with TF 2.21 on the
 * 2-core AMD EPYC), Keras is measured again with TF_ENABLE_ONEDNN_OPTS=0, and the line says so. Without a Python that imports keras and tensorflow it prints graft's figures and
 * how to install the reference.
 *
 * BENCH_MODELS (resnet50,resnet50v2; any of graft's applications, e.g.
 * mobilenetv2,mobilenetv3large,efficientnetb0,efficientnetv2b0,densenet121,xception,inception_v3,
 * inception_resnet_v2,nasnetmobile), BENCH_SIZE (224), BENCH_BATCH
 * (8), BENCH_STEPS (3).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findPython, missingReference } from "@graft/test-fixtures/python";

const here = fileURLToPath(new URL(".", import.meta.url));
const main = join(here, "..", "src", "main.ts");
const models = (process.env.BENCH_MODELS ?? "resnet50,resnet50v2").split(",").map((m) => m.trim());
const size = process.env.BENCH_SIZE ?? "224";
const batch = process.env.BENCH_BATCH ?? "8";
const steps = process.env.BENCH_STEPS ?? "3";
const python = findPython("keras, tensorflow");

interface Figure {
  img_per_s: number;
}

function run(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Figure | null {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  // TensorFlow 2.21's oneDNN graph rewrites die with SIGFPE on ResNets on some CPUs (seen on
  // the 2-core AMD EPYC): say so, and let the caller measure its Eigen path instead.
  if (r.signal === "SIGFPE" || r.status === 136) {
    console.log(`  ${label}: crashed with SIGFPE`);
    return null;
  }
  const line = r.stdout
    ?.trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop();
  if (r.status !== 0 || !line) {
    const why = (r.stderr || r.stdout || "").trim().split("\n").slice(-2).join(" | ");
    console.log(`  ${label}: failed (${why})`);
    return null;
  }
  const f = JSON.parse(line) as Figure;
  console.log(`  ${label}: ${f.img_per_s.toFixed(2)} img/s`);
  return f;
}

console.log(
  `${size} px, batch ${batch}, ${steps} timed steps after 1 warm-up; ratio = graft-cpu / Keras\n`,
);
const rows: string[] = [];
for (const model of models) {
  for (const task of ["extract", "train"]) {
    console.log(`${model} ${task}`);
    const g = run("graft-cpu", process.execPath, [
      "--conditions=@graft/source",
      "--import",
      "tsx",
      main,
      "bench",
      "--model",
      model,
      "--task",
      task,
      "--backend",
      "graft-cpu",
      "--input-size",
      size,
      "--batch-size",
      batch,
      "--steps",
      steps,
      "--json",
    ]);
    const kerasArgs = [
      join(here, "keras_applications.py"),
      "--model",
      model,
      "--task",
      task,
      "--size",
      size,
      "--batch",
      batch,
      "--steps",
      steps,
    ];
    let k = python ? run("keras (TensorFlow with oneDNN)", python, kerasArgs) : null;
    if (python && !k) {
      k = run("keras (TF_ENABLE_ONEDNN_OPTS=0: Eigen)", python, kerasArgs, {
        TF_ENABLE_ONEDNN_OPTS: "0",
      });
    }
    const ratio = g && k ? `${(g.img_per_s / k.img_per_s).toFixed(2)}×` : "—";
    rows.push(
      `| ${model} | ${task} | ${g ? g.img_per_s.toFixed(2) : "failed"} | ${k ? k.img_per_s.toFixed(2) : "—"} | ${ratio} |`,
    );
  }
}
console.log("\n| model | task | graft-cpu img/s | Keras img/s | graft / Keras |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const r of rows) console.log(r);
if (!python) console.log(`\n${missingReference("keras, tensorflow")}`);
