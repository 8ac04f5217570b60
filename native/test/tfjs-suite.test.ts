/**
 * tfjs-core's own suite on graft-cpu and graft-cuda's host double, and where a GPU works on
 * graft-cuda itself (TF32 off, see GPU_CANDIDATE): every spec that passes on tfjs-backend-cpu
 * in the same run passes on them (test/tfjs-suite/run.ts runs it in a child process: jasmine's
 * globals and vitest's cannot share one). Without a GPU the graft-cuda check is skipped with
 * the probe's reason; GRAFT_REQUIRE_GPU=1 (scripts/gpu-check.sh) makes that a failure. The
 * per-backend counts go to CI's totals.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import "@tensorflow/tfjs-backend-cpu";
import { getKernelsForBackend } from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { probeCudaAddon } from "../ts/cuda/addon.ts";
import { graftCpuUnavailableReason } from "../ts/graft_cpu.ts";
import { inCI } from "./helpers.ts";
import { GPU_CANDIDATE, LEFT_OUT, type SuiteResult } from "./tfjs-suite/compare.ts";

const nativeDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = join(nativeDir, "..", "node_modules", "tsx", "dist", "loader.mjs");
const unavailable = graftCpuUnavailableReason();
const describeNative = unavailable && !inCI ? describe.skip : describe;
const cudaProbe = probeCudaAddon();
const gpu = cudaProbe.ok;
const noGpuReason = cudaProbe.ok ? "" : cudaProbe.reason;
const requireGpu = process.env.GRAFT_REQUIRE_GPU === "1";
if (!gpu) console.log(`tfjs-core's suite on graft-cuda: skipped, ${noGpuReason}`);
const scratch = mkdtempSync(join(tmpdir(), "graft-tfjs-suite-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describeNative("tfjs-core's test suite", () => {
  let result: SuiteResult;

  it("runs on tfjs-backend-cpu and graft-cpu in one process", () => {
    const out = join(scratch, "result.json");
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        tsx,
        "--conditions=@graft/source",
        "test/tfjs-suite/run.ts",
        "--out",
        out,
        ...(gpu ? ["--gpu"] : []),
      ],
      {
        cwd: nativeDir,
        encoding: "utf8",
        timeout: 300_000,
        env: { ...process.env, SPEC_FILTER: "", GRAFT_CUDA_TF32: "0" },
      },
    );
    expect(r.status, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    result = JSON.parse(readFileSync(out, "utf8")) as SuiteResult;
    // The whole suite ran: tfjs-core 4.22 has about 3,800 specs per backend.
    expect(result.counts.cpu?.passed).toBeGreaterThan(3500);
    const dir = process.env.GRAFT_TEST_REPORT_DIR;
    if (dir) {
      // CI's closing totals count the suite per backend (see .ci/summarize.mjs).
      for (const [b, c] of Object.entries(result.counts)) {
        writeFileSync(
          join(dir, `tfjs-core-suite-${b}.json`),
          JSON.stringify({
            suite: `tfjs-core ${b}`,
            numPassedTests: c.passed,
            numFailedTests: c.failed,
            numPendingTests: c.leftOut,
          }),
        );
      }
    }
  }, 360_000);

  it("every spec that passes on tfjs-backend-cpu passes on graft-cpu", () => {
    expect(result, "the suite did not run").toBeDefined();
    expect(result.violations.filter((v) => v.backend === "graft-cpu")).toEqual([]);
    const cpuOnly = result.leftOut[LEFT_OUT.cpuOnly]?.length ?? 0;
    expect(result.counts["graft-cpu"]?.passed).toBe((result.counts.cpu?.passed ?? 0) - cpuOnly);
  });

  it("and on graft-cuda's host double, apart from its named deviations", () => {
    expect(result, "the suite did not run").toBeDefined();
    expect(result.violations.filter((v) => v.backend === "graft-cuda-host")).toEqual([]);
    const host = result.counts["graft-cuda-host"];
    const deviating = Object.entries(result.deviations)
      .filter(([key]) => key.startsWith("graft-cuda-host: "))
      .reduce((n, [, l]) => n + l.length, 0);
    const cpuOnly = result.leftOut[LEFT_OUT.cpuOnly]?.length ?? 0;
    expect(host?.passed).toBe((result.counts.cpu?.passed ?? 0) - cpuOnly - deviating);
  });

  it.skipIf(!gpu && !requireGpu)(
    `and on graft-cuda on the GPU, TF32 off, apart from the same deviations${gpu ? "" : ` (skipped: ${noGpuReason})`}`,
    () => {
      expect(gpu, `GRAFT_REQUIRE_GPU=1 but graft-cuda cannot run: ${noGpuReason}`).toBe(true);
      expect(result, "the suite did not run").toBeDefined();
      expect(result.violations.filter((v) => v.backend === GPU_CANDIDATE)).toEqual([]);
      const deviating = Object.entries(result.deviations)
        .filter(([key]) => key.startsWith(`${GPU_CANDIDATE}: `))
        .reduce((n, [, l]) => n + l.length, 0);
      const cpuOnly = result.leftOut[LEFT_OUT.cpuOnly]?.length ?? 0;
      expect(result.counts[GPU_CANDIDATE]?.passed).toBe(
        (result.counts.cpu?.passed ?? 0) - cpuOnly - deviating,
      );
    },
  );
});

describeNative("kernel registrations", () => {
  it("every kernel registered for tfjs-backend-cpu is registered for graft-cpu", () => {
    const cpu = getKernelsForBackend("cpu").map((k) => k.kernelName);
    const graft = new Set(getKernelsForBackend("graft-cpu").map((k) => k.kernelName));
    expect(cpu.length).toBeGreaterThan(150);
    expect(cpu.filter((k) => !graft.has(k))).toEqual([]);
  });
});
