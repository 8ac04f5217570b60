/**
 * Vitest settings every package shares. When GRAFT_TEST_REPORT_DIR is set
 * (.ci/run sets it), each package also writes a JSON report there, so CI can
 * print one total over every suite.
 */
import { basename } from "node:path";
import { defineConfig } from "vitest/config";

export function graftVitestConfig(packageDir: string, overrides: { testTimeout?: number } = {}) {
  const reportDir = process.env.GRAFT_TEST_REPORT_DIR;
  const reporters: (string | [string, Record<string, unknown>])[] = ["default"];
  if (reportDir)
    reporters.push(["json", { outputFile: `${reportDir}/${basename(packageDir)}.json` }]);
  return defineConfig({
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
