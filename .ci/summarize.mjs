// Sums the JSON reports that every package's vitest run wrote (see
// vitest.shared.ts) into one closing line, and fails when a package that has
// tests wrote no report.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";

const dir = process.argv[2];
// Every workspace package with a test script must have written a report.
const pkgDirs = [
  "native",
  ...["packages", "apps"].flatMap((d) => readdirSync(d).map((n) => join(d, n))),
];
const expected = pkgDirs
  .filter((d) => existsSync(join(d, "package.json")))
  .filter((d) => JSON.parse(readFileSync(join(d, "package.json"), "utf8")).scripts?.test)
  .map((d) => basename(d));
let passed = 0;
let failed = 0;
let skipped = 0;
const seen = new Set();
for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
  const r = JSON.parse(readFileSync(join(dir, f), "utf8"));
  seen.add(f.replace(/\.json$/, ""));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even if no test inside it ran.
  for (const s of r.testResults ?? [])
    if (s.status === "failed" && (s.assertionResults ?? []).length === 0) failed++;
}
// tfjs-core's own suite, per backend (native/test/tfjs-suite.test.ts writes these).
for (const f of readdirSync(dir).filter(
  (n) => n.startsWith("tfjs-core-suite-") && n.endsWith(".json"),
)) {
  const r = JSON.parse(readFileSync(join(dir, f), "utf8"));
  console.log(
    `${r.suite}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} left out`,
  );
}
const missing = expected.filter((p) => !seen.has(p));
if (missing.length > 0) console.log(`.ci/run: no test report from: ${missing.join(", ")}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || missing.length > 0 ? 1 : 0);
