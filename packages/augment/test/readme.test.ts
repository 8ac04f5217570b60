/** The README's example, run as a user would run it (tsx, the package imported by name). */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { makeTree } from "../../data/test/helpers/images.ts";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = join(pkg, ".readme-example.ts");
const roots: string[] = [];
afterAll(() => {
  rmSync(example, { force: true });
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

it("the README example runs", async () => {
  const readme = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  writeFileSync(example, code as string);
  const root = await makeTree({ cats: 3, dogs: 2 }, [40, 30]);
  roots.push(root);
  const r = spawnSync(process.execPath, ["--import", "tsx", example, root], {
    cwd: pkg,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/\[ 5, 256, 256, 3 \]|\[ 16, 256, 256, 3 \]|256, 256, 3/);
});
