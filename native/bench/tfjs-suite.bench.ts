// tfjs-core's own test suite (test/tfjs-suite/run.ts: about 3,800 specs, mostly small tensors,
// where the cost of each native call shows) timed per backend in one run: tfjs-backend-cpu,
// graft-cpu and graft-cuda's host double, from jasmine's per-spec durations. Issue 14 asks that
// graft-cpu be no slower than cpu on the suite as a whole.
//
//   pnpm --filter @graft/native bench:suite
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SuiteResult } from "../test/tfjs-suite/compare.ts";

const nativeDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(nativeDir, "..", "node_modules", "tsx", "dist", "loader.mjs");
const scratch = mkdtempSync(join(tmpdir(), "graft-suite-bench-"));
try {
  const out = join(scratch, "result.json");
  const r = spawnSync(
    process.execPath,
    ["--import", tsx, "--conditions=@graft/source", "test/tfjs-suite/run.ts", "--out", out],
    { cwd: nativeDir, encoding: "utf8", env: { ...process.env, SPEC_FILTER: "" } },
  );
  if (r.status !== 0)
    throw new Error(`the suite failed to run:\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  const result = JSON.parse(readFileSync(out, "utf8")) as SuiteResult;
  const s = result.backendSeconds ?? {};
  const cpu = s.cpu ?? Number.NaN;
  console.log(
    `tfjs-core's suite, spec time per backend (${cpus().length} × ${cpus()[0]?.model ?? "cpu"}), whole run ${result.wallSeconds.toFixed(1)} s`,
  );
  for (const [b, sec] of Object.entries(s)) {
    if (b === "none") continue;
    const passed = result.counts[b]?.passed ?? 0;
    const ratio = b === "cpu" ? "" : `   ${(cpu / sec).toFixed(2)}× cpu's speed`;
    console.log(
      `${b.padEnd(16)} ${sec.toFixed(1).padStart(6)} s  (${passed} specs passed)${ratio}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
