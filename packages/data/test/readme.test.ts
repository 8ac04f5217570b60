/** The README's example, run as a user would run it (tsx, the package imported by name). */
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runReadmeExample } from "@graft/test-fixtures/readme";
import { afterAll, expect, it } from "vitest";
import { makeTree } from "./helpers/images.ts";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

it("the README example runs", async () => {
  const root = await makeTree({ cats: 3, dogs: 2 }, [40, 30]);
  roots.push(root);
  const r = runReadmeExample(pkg, [root]);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/\[ 5, 256, 256, 3 \]|\[ 16, 256, 256, 3 \]|256, 256, 3/);
});
