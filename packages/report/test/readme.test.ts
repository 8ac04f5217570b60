/** The README's example, run as a user would run it (tsx, the package imported by name). */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runReadmeExample } from "@graft/test-fixtures/readme";
import { expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));

it("the README example runs and writes a report", () => {
  const r = runReadmeExample(pkg, [], 60_000);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const file = /open file:\/\/(\S+)$/m.exec(r.stdout)?.[1];
  expect(file).toBeDefined();
  const html = readFileSync(file as string, "utf8");
  rmSync(join(file as string, ".."), { recursive: true, force: true });
  expect(html).toContain("<h1>graft train — small-similar on data/flowers</h1>");
  expect(html).toContain("predicted <b>tulip</b> (71.0%)");
  expect(html).toMatch(/<polyline data-series="val_loss" points="\S+ \S+ \S+"/);
});
