// tfjs-core's own test suite (test/tfjs-suite/run.ts: about 3,800 specs, mostly small tensors,
// where the cost of each native call shows) timed per backend: tfjs-backend-cpu, graft-cpu and
// graft-cuda's host double, each alone in a fresh process (`run.ts --time-only`), the order
// rotated from round to round so no backend always comes first or last. Two figures: cpu's
// spec seconds over the backend's summed over each spec's fastest run in the rounds (the
// machine's noise, large on a shared 2-core VM, mostly taken out), and the median of the
// rounds' own ratios. Issue 14 asks that graft-cpu be no slower than cpu on the suite as a
// whole.
//
//   pnpm --filter @graft/native bench:suite          (SUITE_ROUNDS=N rounds; default 5)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BACKENDS, type SuiteTiming } from "../test/tfjs-suite/compare.ts";

const nativeDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(nativeDir, "..", "node_modules", "tsx", "dist", "loader.mjs");
const rounds = Math.max(1, Number(process.env.SUITE_ROUNDS ?? 5) || 5);
const scratch = mkdtempSync(join(tmpdir(), "graft-suite-bench-"));

function timeSuite(backend: string): SuiteTiming {
  const out = join(scratch, `${backend}.json`);
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      tsx,
      "--conditions=@graft/source",
      "test/tfjs-suite/run.ts",
      "--time-only",
      backend,
      "--out",
      out,
    ],
    { cwd: nativeDir, encoding: "utf8", env: { ...process.env, SPEC_FILTER: "" } },
  );
  if (r.status !== 0)
    throw new Error(
      `the suite failed to run on ${backend}:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`,
    );
  return JSON.parse(readFileSync(out, "utf8")) as SuiteTiming;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

try {
  const seen: Record<string, SuiteTiming[]> = {};
  for (let round = 0; round < rounds; round++) {
    const order = BACKENDS.map((_, i) => BACKENDS[(i + round) % BACKENDS.length] as string);
    for (const b of order) seen[b] = [...(seen[b] ?? []), timeSuite(b)];
  }
  console.log(
    `tfjs-core's suite, spec seconds per backend, each alone in its own process, ${rounds} rounds (${cpus().length} × ${cpus()[0]?.model ?? "cpu"})`,
  );
  const cpuRuns = (seen.cpu ?? []).map((t) => t.seconds);
  // Each spec's fastest run over the rounds, summed over the specs both backends pass: what
  // is left when the machine's noise (other work, a collection landing in one spec) is taken
  // out, as far as rounds can take it out.
  const fastest = (b: string) => {
    const best: Record<string, number> = {};
    for (const t of seen[b] ?? [])
      for (const [spec, ms] of Object.entries(t.specMs))
        best[spec] = Math.min(best[spec] ?? ms, ms);
    return best;
  };
  const cpuBest = fastest("cpu");
  for (const b of BACKENDS) {
    const runs = (seen[b] ?? []).map((t) => t.seconds);
    const all = runs.map((sec) => sec.toFixed(2)).join(", ");
    console.log(
      `${b.padEnd(16)} ${median(runs).toFixed(2).padStart(6)} s  [${all}]  (${seen[b]?.[0]?.passed ?? 0} specs passed)`,
    );
    if (b === "cpu") continue;
    // Each round's ratio pairs runs made a minute apart at most: the machine's load drifts.
    const ratios = runs.map((sec, i) => (cpuRuns[i] as number) / sec);
    const best = fastest(b);
    const shared = Object.keys(best).filter((spec) => spec in cpuBest);
    const sum = (m: Record<string, number>) => shared.reduce((a, spec) => a + (m[spec] ?? 0), 0);
    console.log(
      `${"".padEnd(16)} ${(sum(cpuBest) / sum(best)).toFixed(2)}× cpu's speed on each spec's fastest run (${shared.length} specs: cpu ${(sum(cpuBest) / 1000).toFixed(2)} s, ${b} ${(sum(best) / 1000).toFixed(2)} s); per round ${median(ratios).toFixed(2)}× (median, ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
