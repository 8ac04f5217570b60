import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Runs the first ```ts block of a package's README as a user would run it: written
 * to `.readme-example.ts` in the package (so the package imports itself by name),
 * run with tsx and `args`, and removed afterwards. Throws when the README has no
 * such block.
 */
export function runReadmeExample(
  pkgDir: string,
  args: string[] = [],
  timeoutMs = 120_000,
): SpawnSyncReturns<string> {
  const readme = readFileSync(join(pkgDir, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) throw new Error(`${pkgDir}/README.md has no \`\`\`ts example`);
  const example = join(pkgDir, ".readme-example.ts");
  writeFileSync(example, code);
  try {
    return spawnSync(process.execPath, ["--import", "tsx", example, ...args], {
      cwd: pkgDir,
      encoding: "utf8",
      timeout: timeoutMs,
    });
  } finally {
    rmSync(example, { force: true });
  }
}
