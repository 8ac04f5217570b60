/**
 * The contributor's way in, as the README writes it: `pnpm --filter cli start …` from
 * the repository root (pnpm matches the package @graft/cli by its unscoped name) runs
 * the CLI from its TypeScript sources; and the built bin runs on plain node.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliDir } from "./run_cli.ts";

const root = join(cliDir, "..", "..");
const plainEnv = () => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the tests' source condition: a user's shell has none
  return env;
};

describe("ways to start graft", () => {
  it("pnpm --filter cli start summary …, from the repository root", () => {
    const args = ["summary", "--model", "vgg16", "--input-size", "32"];
    const r = spawnSync("npx", ["-y", "pnpm@12.4.2", "--filter", "cli", "start", ...args], {
      cwd: root,
      encoding: "utf8",
      env: plainEnv(),
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/No projects matched/);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("block5_pool (MaxPooling2D)");
    expect(r.stdout).toContain("Total params: 14,714,688");
  });

  it("bin/graft.mjs --version on plain node runs the built dist/", () => {
    const r = spawnSync(process.execPath, [join(cliDir, "bin", "graft.mjs"), "--version"], {
      cwd: root,
      encoding: "utf8",
      env: plainEnv(),
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^graft 0\.1\.0 on Node\.js v\d+/);
    expect(r.stdout).toMatch(/@graft\/scenarios\s+0\.1\.0/);
    expect(r.stdout).toMatch(/@graft\/report\s+0\.1\.0/);
    expect(r.stdout).toMatch(/graft-cpu: /);
  });
});
