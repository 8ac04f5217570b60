/**
 * Hostile Keras files: mutates the committed fixtures (seeded) and reads each mutant as
 * `graft weights inspect --stats` does (openWeights, every weight read), and, for model
 * files, with loadKerasModel. Prints cases/s and the outcome table.
 *
 *   pnpm --filter @graft/weights fuzz -- --count 2000 --seed 1 --time-limit 600
 *   pnpm --filter @graft/weights fuzz -- --seed 1 --start 7278 --count 1 --keep /tmp/k
 *
 * Outcomes: ok (read completely, the weights equal the original's), altered (the same
 * weights by name and size with other values: flipped data bits, which HDF5 files without
 * checksums cannot reveal), coded (a graft error
 * with an ERR_GRAFT_ code naming the file), uncoded (any other error), abort (a wasm
 * abort or RuntimeError), partial (success with fewer or different weights than the
 * original holds), noisy (more than 3 lines went to stderr), hang (past the per-case
 * watch, reported by the harness only; the limit that stops the work must be graft's).
 */
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixturesDir } from "@graft/test-fixtures";
import { mutate } from "@graft/test-fixtures/mutate";
import * as tf from "@tensorflow/tfjs-core";
import type { LayersModel } from "@tensorflow/tfjs-layers";
import { loadKerasModel, loadWeights, openWeights } from "../src/index.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg("count", 1000);
/** --start N: begin at case N (with --count 1, replays one case of a longer run). */
const start = arg("start", 0);
const seed = arg("seed", 1);
const timeLimitS = arg("time-limit", 600);
const watchMs = arg("watch-ms", 10_000);
const trace = process.argv.includes("--trace");
/** --keep DIR: copy every partial, uncoded, abort (coded or not), noisy or hang case there to look at. */
const keepAt = process.argv.indexOf("--keep");
const keepDir = keepAt > 0 ? process.argv[keepAt + 1] : undefined;
/** graft's own per-file limit, below the harness's watch: a case past it must end coded. */
const limits = { timeLimitMs: arg("file-limit-ms", 5_000) };

type Outcome =
  | "ok"
  | "altered"
  | "coded"
  | "coded-abort"
  | "uncoded"
  | "abort"
  | "partial"
  | "noisy"
  | "hang";

/** Every weight of a file by layer/name, as bytes, or the error reading threw. */
async function readAll(path: string): Promise<Map<string, Float32Array>> {
  const f = await openWeights(path, limits);
  try {
    const out = new Map<string, Float32Array>();
    for (const l of f.layers) for (const w of l.weights) out.set(`${l.name}/${w.name}`, w.read());
    return out;
  } finally {
    f.close();
  }
}

/**
 * "ok": the same weights under the same names; "altered": as many weights of the same sizes,
 * with other values or names (a flipped bit in a name or in data, which files without
 * checksums cannot reveal); "partial": weights missing or of other sizes.
 */
function compare(a: Map<string, Float32Array>, b: Map<string, Float32Array>): Outcome {
  const sizes = (m: Map<string, Float32Array>) => [...m.values()].map((v) => v.length).sort();
  if (sizes(a).join() !== sizes(b).join()) return "partial";
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w) return "altered";
    for (let i = 0; i < v.length; i++) if (!Object.is(v[i], w[i])) return "altered";
  }
  return "ok";
}

/** The model a fixture's weights belong to, rebuilt from its .keras sibling. */
async function modelFor(source: string): Promise<LayersModel | null> {
  const name = basename(source);
  const stem = name.startsWith("mixed.") ? "mixed" : name.split(".").slice(0, 2).join(".");
  try {
    return await loadKerasModel(join(dirname(source), `${stem}.keras3.keras`));
  } catch {
    return null;
  }
}

type Op = "inspect" | "by-name" | "topological" | "model";

/** What one way of reading gave: the values, and whether a load left some weight unset. */
interface Read {
  values: Float32Array[];
  unset: boolean;
}

/** One way of reading a file, as a user's code or the CLI does; what it read, to compare. */
async function runOp(op: Op, path: string, model: LayersModel | null): Promise<Read> {
  if (op === "inspect") return { values: [...(await readAll(path)).values()], unset: false };
  if (op === "model") {
    const m = await loadKerasModel(path, { limits });
    try {
      return { values: modelValues(m), unset: false };
    } finally {
      m.dispose();
    }
  }
  // Loaded twice over two different fills: a value the load did not set keeps the fill, so
  // it differs between the two (a NaN in the file's own data reads the same both times).
  const target = model as LayersModel;
  const load = async (fill: number) => {
    target.setWeights(target.getWeights().map((t) => tf.fill(t.shape, fill)));
    await loadWeights(target, path, { byName: op === "by-name", onWarning: () => {}, limits });
    return modelValues(target);
  };
  const first = await load(Number.NaN);
  const second = await load(-7.25e30);
  const unset = first.some((v, i) =>
    v.some((x, j) => !Object.is(x, (second[i] as Float32Array)[j] as number)),
  );
  return { values: first, unset };
}

/** Every weight of the model, flattened, in order. */
function modelValues(m: LayersModel): Float32Array[] {
  return m.getWeights().map((t) => t.dataSync() as Float32Array);
}

/** ok / altered / partial for a model after a load, against the values the original gave. */
function compareModel(got: Read, want: Float32Array[]): Outcome {
  if (got.unset) return "partial";
  let same = true;
  for (let i = 0; i < want.length; i++) {
    const g = got.values[i] as Float32Array;
    const w = want[i] as Float32Array;
    for (let j = 0; j < w.length; j++) if (!Object.is(g[j], w[j])) same = false;
  }
  return same ? "ok" : "altered";
}

function classify(err: unknown, path: string): Outcome {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const message = String(e?.message ?? err);
  const aborted =
    e?.name === "RuntimeError" || /Aborted\(|memory access out of bounds|unreachable/.test(message);
  const coded =
    typeof e?.code === "string" && e.code.startsWith("ERR_GRAFT_") && message.includes(path);
  // A wasm abort that graft caught and coded is still counted apart: the goal is none at all.
  if (aborted) return coded ? "coded-abort" : "abort";
  return coded ? "coded" : "uncoded";
}

async function main() {
  await tf.setBackend("cpu");
  const sources = readdirSync(join(fixturesDir, "keras"))
    .filter((n) => n.endsWith(".h5") || n.endsWith(".keras"))
    .sort()
    .map((n) => join(fixturesDir, "keras", n));
  const originals = new Map<string, Map<string, Float32Array>>();
  // What each way of reading gives on the unmutated file; ways that fail there are not tried.
  const baselines = new Map<string, Map<Op, Float32Array[]>>();
  const models = new Map<string, LayersModel | null>();
  for (const s of sources) {
    originals.set(s, await readAll(s));
    const model = await modelFor(s);
    models.set(s, model);
    const ops = new Map<Op, Float32Array[]>();
    for (const op of ["by-name", "topological", "model"] as const) {
      if (op !== "model" && !model) continue;
      try {
        ops.set(op, (await runOp(op, s, model)).values);
      } catch {}
    }
    baselines.set(s, ops);
  }
  const scratch = mkdtempSync(join(tmpdir(), "graft-fuzz-"));
  const table = new Map<string, number>();
  const examples = new Map<string, string>();
  const t0 = Date.now();
  let done = 0;
  // stderr lines per case, through both the stream and fs.writeSync(2) (h5wasm's route).
  let lines = 0;
  const origWrite = process.stderr.write.bind(process.stderr);
  const origWriteSync = fs.writeSync;
  process.stderr.write = ((chunk: unknown) => {
    lines += String(chunk).split("\n").length - 1;
    return true;
  }) as typeof process.stderr.write;
  fs.writeSync = ((fd: number, buf: unknown, ...rest: unknown[]) => {
    if (fd === 2) {
      const text =
        typeof buf === "string"
          ? buf
          : Buffer.from(
              (buf as ArrayBufferView).buffer,
              (buf as ArrayBufferView).byteOffset + (typeof rest[0] === "number" ? rest[0] : 0),
              typeof rest[1] === "number" ? rest[1] : (buf as ArrayBufferView).byteLength,
            ).toString();
      lines += text.split("\n").length - 1;
      return typeof buf === "string" ? Buffer.byteLength(buf) : (rest[1] as number);
    }
    return (origWriteSync as (...a: unknown[]) => number)(fd, buf, ...rest);
  }) as typeof fs.writeSync;
  try {
    for (let i = start; i < start + count && Date.now() - t0 < timeLimitS * 1000; i++) {
      const source = sources[i % sources.length] as string;
      const { bytes, kind } = mutate(
        readFileSync(source),
        source.endsWith(".keras"),
        seed * 1_000_003 + i,
      );
      const path = join(scratch, `case-${i}-${basename(source)}`);
      if (trace) origWriteSync(1, `case ${i} ${kind} ${basename(source)}\n`);
      writeFileSync(path, bytes);
      lines = 0;
      let outcome: Outcome;
      const started = Date.now();
      try {
        const got = await readAll(path);
        const original = originals.get(source) as Map<string, Float32Array>;
        outcome = compare(got, original);
        if (outcome === "partial" && !examples.has(`partial ${kind}`)) {
          const missing = [...original.keys()].filter((k) => !got.has(k));
          examples.set(
            `partial ${kind}`,
            `${basename(source)} inspect: missing ${missing.slice(0, 3).join(" ")}`,
          );
        }
        // The loaders, on files whose structure reads: each must fail coded or load all.
        for (const [op, want] of baselines.get(source) ?? []) {
          if (outcome === "partial") break;
          let o = compareModel(await runOp(op, path, models.get(source) ?? null), want);
          // By name, Keras leaves a layer the file does not name alone: with altered names
          // that is the documented behaviour, not a partial read.
          if (o === "partial" && op === "by-name" && outcome === "altered") o = "altered";
          if (o === "partial") {
            outcome = "partial";
            if (!examples.has(`partial ${kind}`))
              examples.set(`partial ${kind}`, `${basename(source)} ${op}: weights left unset`);
          } else if (o === "altered") outcome = "altered";
        }
      } catch (err) {
        outcome = classify(err, path);
        if (!examples.has(`${outcome} ${kind}`))
          examples.set(
            `${outcome} ${kind}`,
            String((err as Error)?.message ?? err)
              .split("\n")[0]
              ?.slice(0, 160) ?? "",
          );
      }
      if (Date.now() - started > watchMs) outcome = "hang";
      else if (lines > 3 && outcome !== "abort") outcome = "noisy";
      table.set(`${outcome}\t${kind}`, (table.get(`${outcome}\t${kind}`) ?? 0) + 1);
      if (keepDir && !["ok", "altered", "coded"].includes(outcome)) {
        fs.mkdirSync(keepDir, { recursive: true });
        fs.copyFileSync(path, join(keepDir, `${outcome}-${kind}-${basename(path)}`));
      }
      rmSync(path, { force: true });
      done++;
    }
  } finally {
    process.stderr.write = origWrite;
    fs.writeSync = origWriteSync;
    rmSync(scratch, { recursive: true, force: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  const totals = new Map<string, number>();
  for (const [k, n] of table)
    totals.set(k.split("\t")[0] as string, (totals.get(k.split("\t")[0] as string) ?? 0) + n);
  console.log(
    `graft fuzz: ${done} cases, seed ${seed}, ${(done / seconds).toFixed(1)} cases/s (${seconds.toFixed(0)} s), ${sources.length} fixtures`,
  );
  console.log(`totals: ${[...totals].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log("outcome\tmutation\tcases");
  for (const [k, n] of [...table].sort()) console.log(`${k}\t${n}`);
  for (const [k, m] of [...examples].sort()) console.log(`e.g. ${k}: ${m}`);
}

await main();
// A probe worker stopped mid-loop may linger a moment; the report is out, so end now.
process.exit(0);
