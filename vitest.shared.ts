/**
 * Vitest settings every package shares. When GRAFT_TEST_REPORT_DIR is set
 * (.ci/run sets it), each package also writes a JSON report there, so CI can
 * print one total over every suite.
 */
import { basename } from "node:path";
import { defineConfig } from "vitest/config";

// Processes the tests start (the CLI, README examples, resume runs) read the sources too.
if (!(process.env.NODE_OPTIONS ?? "").includes("--conditions=@graft/source"))
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=@graft/source`.trim();

const SOURCE_CONDITIONS = ["@graft/source", "module", "node", "development|production"];

export function graftVitestConfig(packageDir: string, overrides: { testTimeout?: number } = {}) {
  const reportDir = process.env.GRAFT_TEST_REPORT_DIR;
  const reporters: (string | [string, Record<string, unknown>])[] = ["default"];
  if (reportDir)
    reporters.push(["json", { outputFile: `${reportDir}/${basename(packageDir)}.json` }]);
  return defineConfig({
    // graft's own packages are read from their .ts sources (the "@graft/source"
    // export condition), so tests never run a stale dist/. Vite's defaults follow.
    resolve: { conditions: SOURCE_CONDITIONS },
    ssr: { resolve: { conditions: SOURCE_CONDITIONS, externalConditions: ["@graft/source"] } },
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: overrides.testTimeout ?? 60_000,
      hookTimeout: 120_000,
      reporters,
      // Model tests hold hundreds of MB each; two cores gain nothing from more forks.
      maxWorkers: 2,
    },
  });
}
