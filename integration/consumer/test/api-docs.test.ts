/**
 * The API reference (`pnpm docs`: typedoc over every library entry point) builds
 * with every exported symbol documented, no broken {@link} and no type used but not
 * exported: typedoc.json turns each of those into an error.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot, run } from "./pack.ts";

it("typedoc validates every package's exports (node scripts/api-docs.mjs --emit none)", () => {
  const r = run(
    process.execPath,
    [join(repoRoot, "scripts", "api-docs.mjs"), "--emit", "none"],
    repoRoot,
  );
  const summary = `${r.out}${r.err}`.trim().split("\n").at(-1) ?? "";
  expect(summary, `${r.out}\n${r.err}`.slice(-6000)).toMatch(
    /^api-docs: .*0 warnings \(0 undocumented\), 0 errors/,
  );
  expect(r.code).toBe(0);
}, 300_000);
