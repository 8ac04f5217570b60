/**
 * Hostile Keras files through the real `graft` command: mutates the committed fixtures
 * (seeded, the same mutations as @graft/weights' fuzz) and runs, as separate processes,
 * `graft weights inspect --stats FILE` on every mutant and, for the model files (.keras and
 * Keras 2 full .h5) that predict works on unmutated, `graft predict --model FILE IMAGE`. Prints cases/s and the outcome
 * table; exits 1 when any case is bad.
 *
 *   pnpm --filter @graft/cli build            # the fuzz runs the built CLI (bin/graft.mjs)
 *   pnpm --filter @graft/cli fuzz -- --count 200 --seed 1
 *   pnpm --filter @graft/cli fuzz -- --source --seed 1 --start 17 --count 1 --keep /tmp/k
 *
 * Good outcomes: ok (exit 0), coded (exit 1 or 2, the last stderr line names the file and
 * ends in an [ERR_GRAFT_…] code, any line before it is a `warning:`). Bad: signal (the
 * process died of one), exit (another exit code), uncoded (the error line lacks the file
 * or the code), noisy (more than 3 stderr lines, or lines that are neither warnings nor
 * the error), hang (still running at the harness's watch, which graft's own limits must
 * beat).
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fixture, fixturesDir } from "@graft/test-fixtures";
import { mutate } from "@graft/test-fixtures/mutate";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const flag = (name: string) => process.argv.includes(`--${name}`);
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg("count", 200);
const start = arg("start", 0);
const seed = arg("seed", 1);
const timeLimitS = arg("time-limit", 1200);
const concurrency = arg("concurrency", Math.max(1, availableParallelism()));
/** graft's own per-read limit, passed to `weights inspect --time-limit`. */
const readLimitS = arg("read-limit", 5);
/** The harness kills a process still running after this; graft must have ended it first. */
const watchMs = arg("watch-ms", 90_000);
const keepAt = process.argv.indexOf("--keep");
const keepDir = keepAt > 0 ? process.argv[keepAt + 1] : undefined;
/** --source: the TypeScript sources under tsx (slower to start) instead of the built CLI. */
const fromSource = flag("source");

type Outcome = "ok" | "coded" | "signal" | "exit" | "uncoded" | "noisy" | "hang";
const GOOD: Outcome[] = ["ok", "coded"];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  err: string;
  watched: boolean;
}

function command(): string[] {
  if (fromSource) {
    const loader = pathToFileURL(join(cliDir, "node_modules", "tsx", "dist", "loader.mjs")).href;
    return ["--conditions=@graft/source", "--import", loader, join(cliDir, "src", "main.ts")];
  }
  const built = join(cliDir, "dist", "main.js");
  if (!existsSync(built)) {
    console.error(
      `cli-fuzz: ${built} is missing: run \`pnpm --filter @graft/cli build\` first, or pass --source`,
    );
    process.exit(2);
  }
  return [join(cliDir, "bin", "graft.mjs")];
}

function graft(prefix: string[], args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...prefix, ...args], {
      cwd: cliDir,
      env: { ...process.env, INIT_CWD: "", npm_lifecycle_event: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    let watched = false;
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
      // Enough to count lines; a flood is noisy whatever its length.
      if (err.length < 1 << 20) err += d;
    });
    const timer = setTimeout(() => {
      watched = true;
      child.kill("SIGKILL");
    }, watchMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, err, watched });
    });
  });
}

function classify(r: Run, path: string): Outcome {
  if (r.watched) return "hang";
  if (r.signal !== null) return "signal";
  const lines = r.err.split("\n").filter((l) => l.trim() !== "");
  if (r.code === 0) return lines.length > 3 ? "noisy" : "ok";
  if (r.code !== 1 && r.code !== 2) return "exit";
  const last = lines.at(-1) ?? "";
  const before = lines.slice(0, -1);
  if (lines.length > 3 || before.some((l) => !l.startsWith("warning:"))) return "noisy";
  return last.includes(path) && /\[ERR_GRAFT_[A-Z0-9_]+\]$/.test(last) ? "coded" : "uncoded";
}

/** A model file: predict can load it (a .keras archive or a Keras 2 full-model .h5). */
const isModel = (name: string) => name.endsWith(".keras") || name.endsWith("_full.h5");

async function main() {
  const prefix = command();
  const image = fixture("data", "images", "exif_rot6.jpg");
  const sources = readdirSync(join(fixturesDir, "keras"))
    .filter((n) => n.endsWith(".h5") || n.endsWith(".keras"))
    .sort()
    .map((n) => join(fixturesDir, "keras", n));
  // predict only where it works on the unmutated file (a model with a classifier head).
  const predictable = new Set<string>();
  for (const s of sources.filter((p) => isModel(basename(p)))) {
    const r = await graft(prefix, ["predict", "--model", s, image]);
    if (r.code === 0) predictable.add(s);
  }
  const scratch = mkdtempSync(join(tmpdir(), "graft-cli-fuzz-"));
  const table = new Map<string, number>();
  const examples = new Map<string, string>();
  const t0 = Date.now();
  let next = start;
  let done = 0;
  let bad = 0;

  const one = async (i: number) => {
    const source = sources[i % sources.length] as string;
    const name = basename(source);
    const { bytes, kind } = mutate(
      readFileSync(source),
      name.endsWith(".keras"),
      seed * 1_000_003 + i,
    );
    const path = join(scratch, `case-${i}-${name}`);
    writeFileSync(path, bytes);
    const runs: [string, string[]][] = [
      ["inspect", ["weights", "inspect", "--stats", "--time-limit", String(readLimitS), path]],
    ];
    if (predictable.has(source)) runs.push(["predict", ["predict", "--model", path, image]]);
    let keep = false;
    for (const [op, args] of runs) {
      const r = await graft(prefix, args);
      const outcome = classify(r, path);
      const key = `${outcome}\t${op}\t${kind}`;
      table.set(key, (table.get(key) ?? 0) + 1);
      if (!GOOD.includes(outcome)) {
        bad++;
        keep = true;
        if (!examples.has(`${outcome} ${op} ${kind}`)) {
          const detail = r.signal ?? `exit ${r.code}`;
          const line = r.err.trim().split("\n").at(-1)?.slice(0, 160) ?? "";
          examples.set(`${outcome} ${op} ${kind}`, `case ${i} ${name} (${detail}): ${line}`);
        }
      }
    }
    if (keep && keepDir) {
      mkdirSync(keepDir, { recursive: true });
      copyFileSync(path, join(keepDir, basename(path)));
    }
    rmSync(path, { force: true });
    done++;
  };

  const worker = async () => {
    while (next < start + count && Date.now() - t0 < timeLimitS * 1000) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  const totals = new Map<string, number>();
  for (const [k, n] of table) {
    const o = k.split("\t")[0] as string;
    totals.set(o, (totals.get(o) ?? 0) + n);
  }
  console.log(
    `graft cli fuzz: ${done} cases from ${start}, seed ${seed}, ${(done / seconds).toFixed(2)} cases/s (${seconds.toFixed(0)} s, ${concurrency} at once, ${fromSource ? "sources under tsx" : "built CLI"}), ${sources.length} fixtures, predict on ${predictable.size}`,
  );
  console.log(`totals: ${[...totals].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log("outcome\tcommand\tmutation\truns");
  for (const [k, n] of [...table].sort()) console.log(`${k}\t${n}`);
  for (const [k, m] of [...examples].sort()) console.log(`e.g. ${k}: ${m}`);
  process.exitCode = bad > 0 ? 1 : 0;
}

await main();
