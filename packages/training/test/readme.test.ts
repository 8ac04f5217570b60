/** The README's example, run as a user would run it (tsx, the package imported by name). */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const example = join(pkg, ".readme-example.ts");
afterAll(() => rmSync(example, { force: true }));

it("the README example runs", () => {
  const readme = readFileSync(join(pkg, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  writeFileSync(example, code as string);
  const r = spawnSync(process.execPath, ["--import", "tsx", example], {
    cwd: pkg,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("epoch,acc,learning_rate,loss,val_acc,val_loss");
  expect(r.stdout).toContain("resume at epoch 20");
  // Not a TTY here: the progress bar prints plain per-epoch lines.
  expect(r.stdout).toMatch(/^Epoch 1\/20$/m);
  expect(r.stdout).toMatch(/^\d+\/\d+ - \d+s - \d+[mu]?s\/step - loss: /m);
});
