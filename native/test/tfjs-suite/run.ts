/**
 * tfjs-core's own test suite (the dist/*_test.js files the package ships, driven by its
 * jasmine_util) on tfjs-backend-cpu, graft-cpu and graft-cuda's host double in one jasmine
 * run, the way tfjs-node and tfjs-backend-wasm run it; with --gpu also on graft-cuda itself
 * (GPU_CANDIDATE: set GRAFT_CUDA_TF32=0, see compare.ts). Every spec runs once per backend;
 * the results are paired by the spec's name with the backend taken out.
 *
 *   node --import tsx --conditions=@graft/source test/tfjs-suite/run.ts [--out FILE] [--gpu]
 *
 * SPEC_FILTER=text runs only the specs whose full name holds `text` and prints the stack of
 * each failure. The JSON written to --out is what test/tfjs-suite.test.ts checks.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import "../../ts/graft_cpu.ts";
import { registerBackend } from "@tensorflow/tfjs-core";
import Jasmine from "jasmine";
import { createGraftCudaBackend, registerGraftCudaKernels } from "../../ts/graft_cuda.ts";
import { createHostNative, HOST_DISABLED } from "../cuda_host_native.ts";
import {
  CANDIDATES,
  GPU_CANDIDATE,
  REFERENCE,
  type SpecOutcome,
  type SuiteResult,
  type SuiteTiming,
  summarise,
} from "./compare.ts";

// graft-cuda itself (registered by ../../ts/graft_cuda.ts; its factory probes the GPU).
const candidates: string[] = process.argv.includes("--gpu")
  ? [...CANDIDATES, GPU_CANDIDATE]
  : [...CANDIDATES];
// --time-only BACKEND runs the suite on that backend alone and writes only its timing (the
// bench runs each backend in a process of its own, so none pays for another's garbage).
const timeOnlyIndex = process.argv.indexOf("--time-only");
const timeOnly = timeOnlyIndex > 0 ? process.argv[timeOnlyIndex + 1] : undefined;
const BACKENDS = timeOnly ? [timeOnly] : [REFERENCE, ...candidates];

// graft-cuda's TypeScript backend over the host-memory double of graft_cuda.node.
registerBackend(
  "graft-cuda-host",
  () => createGraftCudaBackend(createHostNative(), HOST_DISABLED),
  -1,
);
registerGraftCudaKernels("graft-cuda-host");

const require = createRequire(import.meta.url);
const core = dirname(require.resolve("@tensorflow/tfjs-core/package.json"));
const outIndex = process.argv.indexOf("--out");
const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
const only = process.env.SPEC_FILTER;

const runner = new Jasmine({});
runner.exitOnCompletion = false;
runner.jasmine.DEFAULT_TIMEOUT_INTERVAL = 30_000;

// The suite's files are ES modules that call require(); tsx loads them as CommonJS. They
// must be the same module instances the specs import, so they are required by path.
const util = require(join(core, "dist", "jasmine_util.js"));
util.setTestEnvs(
  BACKENDS.map((name) => ({ name, backendName: name, flags: {}, isDataSync: true })),
);
// Everything runs; what is left out is decided from the results, not from a list.
util.setupTestFilters([], (name: string) => !only || name.includes(only));

const specs = new Map<string, Partial<Record<string, SpecOutcome>>>();
// Seconds of spec time per backend (jasmine's own per-spec durations): `pnpm bench` prints them.
const seconds: Record<string, number> = {};
// With --time-only: each spec's milliseconds, by its name with the backend taken out.
const specMs: Record<string, number> = {};
runner.clearReporters();
runner.addReporter({
  specDone(r: {
    fullName: string;
    status: string;
    duration?: number | null;
    failedExpectations: { message: string; stack: string }[];
  }) {
    if (r.status === "excluded") return;
    if (only && r.status === "failed") console.log(r.fullName, r.failedExpectations[0]?.stack);
    // describeWithFlags names a suite "<name> <env> {flags}", and suites nest (slice's do):
    // every marker comes out of the key, and the innermost one is the backend the spec ran on.
    let key = r.fullName;
    let backend = "none";
    let last = -1;
    for (const b of [...BACKENDS].sort((x, y) => y.length - x.length)) {
      const marker = ` ${b} {`;
      for (let at = key.indexOf(marker); at >= 0; at = key.indexOf(marker)) {
        if (at > last) {
          last = at;
          backend = b;
        }
        key = `${key.slice(0, at)} <backend> {${key.slice(at + marker.length)}`;
      }
    }
    seconds[backend] = (seconds[backend] ?? 0) + (r.duration ?? 0) / 1000;
    if (backend === timeOnly) specMs[key] = (specMs[key] ?? 0) + (r.duration ?? 0);
    const row = specs.get(key) ?? {};
    // A nested spec runs once per outer backend too; one failure is a failure.
    if (row[backend]?.status !== "failed") {
      row[backend] = {
        status: r.status === "failed" ? "failed" : r.status === "passed" ? "passed" : "pending",
        message: r.failedExpectations[0]?.message?.slice(0, 300),
      };
    }
    specs.set(key, row);
  },
});

const t0 = Date.now();
// tfjs-core alone registers no gradients; the union package does it with this module.
require(join(core, "dist", "register_all_gradients.js"));
require(join(core, "dist", "tests.js"));
await runner.execute();
if (timeOnly) {
  const ran = [...specs.values()].filter((row) => row[timeOnly]?.status === "passed").length;
  const timing: SuiteTiming = {
    backend: timeOnly,
    seconds: seconds[timeOnly] ?? 0,
    passed: ran,
    wallSeconds: (Date.now() - t0) / 1000,
    specMs,
  };
  if (outFile) writeFileSync(outFile, `${JSON.stringify(timing)}\n`);
  console.log(`${timeOnly}: ${ran} specs passed, ${timing.seconds.toFixed(2)} s of spec time`);
  process.exit(0);
}
const result: SuiteResult = {
  ...summarise(specs, (Date.now() - t0) / 1000, candidates),
  backendSeconds: seconds,
};
if (outFile) writeFileSync(outFile, `${JSON.stringify(result, null, 1)}\n`);
for (const b of BACKENDS) {
  const c = result.counts[b];
  console.log(
    `${b}: ${c?.passed} passed, ${c?.failed} failed, ${c?.leftOut} left out, ${(seconds[b] ?? 0).toFixed(1)} s`,
  );
}
console.log(
  `${result.violations.length} results break the rule (pass on cpu, not on a graft backend)`,
);
for (const [why, list] of Object.entries(result.deviations))
  console.log(`known deviation (${list.length} specs), ${why}`);
for (const v of result.violations) console.log(`  [${v.backend}] ${v.spec}: ${v.message}`);
