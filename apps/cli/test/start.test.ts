/**
 * The contributor's way in, as the README writes it: `pnpm --filter cli run start …`
 * from the repository root (pnpm matches the package @graft/cli by its unscoped name)
 * runs the CLI from its TypeScript sources; and the built bin runs on plain node.
 *
 * `run` is needed: pnpm's own `start` command claims a bare `--help`/`-h` after it
 * and prints pnpm's help, while `pnpm run <script>` hands every later token to the
 * script. The tests take the command from the README, so the two cannot drift apart.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliDir } from "./run_cli.ts";

const root = join(cliDir, "..", "..");
const plainEnv = () => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the tests' source condition: a user's shell has none
  return env;
};

/** The words before `<command>` in the CLI README's first line: how a contributor runs graft. */
function documentedPrefix(): string[] {
  const readme = readFileSync(join(cliDir, "README.md"), "utf8");
  const m = /`(pnpm [^`<]*?) <command> …`/.exec(readme);
  if (!m) throw new Error("apps/cli/README.md no longer says `pnpm … <command> …`");
  return (m[1] as string).split(" ");
}

/** The documented command with `args` after it, run from the repository root through npx's pnpm 12.4.2. */
function documented(args: string[]) {
  const [pnpm, ...pnpmArgs] = documentedPrefix();
  expect(pnpm).toBe("pnpm");
  return spawnSync("npx", ["-y", "pnpm@12.4.2", ...pnpmArgs, ...args], {
    cwd: root,
    encoding: "utf8",
    env: plainEnv(),
    timeout: 120_000,
  });
}

describe("ways to start graft", () => {
  it("the README's command is the one the root README names", () => {
    const prefix = documentedPrefix().join(" ");
    expect(prefix).toBe("pnpm --filter cli run start");
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain(`${prefix} <command> …`);
  });

  it.each([["--help"], ["-h"]])(
    "pnpm --filter cli run start %s shows graft's help, not pnpm's",
    (flag) => {
      const r = documented([flag]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("Usage: graft <command> [options]");
      expect(r.stdout).toMatch(/^\s+train\s/m);
      expect(r.stdout).not.toContain("Runs an arbitrary command");
    },
  );

  it("pnpm --filter cli run start --version shows graft's version", () => {
    const r = documented(["--version"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^graft 0\.1\.0 on Node\.js v\d+/m);
  });

  it("pnpm --filter cli run start summary …, from the repository root", () => {
    const r = documented(["summary", "--model", "vgg16", "--input-size", "32"]);
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

describe("start-up", () => {
  // In a child: main() on argv, then what it loaded. tfjs-core makes its engine global on
  // import; sharp, tfjs' CommonJS files and the .node addons land in require's cache.
  function loadedBy(argv: string[]): { code: number; tfjs: boolean; cjs: string[] } {
    const mainUrl = new URL("../src/main.ts", import.meta.url).href;
    const script = `
      const { main } = await import(${JSON.stringify(mainUrl)});
      const env = process.env;
      const code = await main(${JSON.stringify(argv)}, { out() {}, err() {}, env });
      const { createRequire } = await import("node:module");
      const cache = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify({ code, tfjs: "_tfengine" in globalThis,
        cjs: cache.filter((p) => /sharp|@tensorflow|\\.node$/.test(p)) }));`;
    const tsx = join(cliDir, "node_modules", "tsx", "dist", "loader.mjs");
    const r = spawnSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], {
      cwd: cliDir,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  it("graft --help imports no command, tfjs, sharp or native addon (commands load when they run)", () => {
    const help = loadedBy(["--help"]);
    expect(help).toEqual({ code: 0, tfjs: false, cjs: [] });
    // The same probe sees them when a command that needs them runs.
    const backends = loadedBy(["backends", "--json"]);
    expect(backends.tfjs).toBe(true);
    expect(backends.cjs.some((p) => p.endsWith(".node"))).toBe(true);
  });
});
