/**
 * graft as a user installs it (issue 12): every package packed, installed from the
 * tarballs into a fresh project outside the repository — with npm, and once with
 * pnpm — then the classic recipe, written against the public APIs, type-checked with
 * a strict tsconfig under NodeNext and Bundler resolution and run with plain node for
 * one epoch on graft-cpu; the installed `graft` command's demo; publint and attw on
 * every tarball. Nothing here runs from the repository's sources.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok, PACKAGES, PNPM, packAll, repoRoot, run, sizes, userEnv } from "./pack.ts";

const PLATFORM = "@graft/native-linux-x64-gnu";
const here = join(repoRoot, "integration", "consumer");
const bin = (name: string) => join(here, "node_modules", ".bin", name);
const work = mkdtempSync(join(tmpdir(), "graft-consumer-"));
let tarballs: Record<string, string> = {};

/**
 * A fresh project depending on every tarball, as a user's package.json would. Until
 * the packages are on the registry, graft's packages that depend on each other
 * ("@graft/models": "0.1.0") must find the tarballs too: npm takes the root's file:
 * dependencies for them; pnpm needs them as overrides (`pnpm` set true).
 */
function project(dir: string, pnpm = false): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ["recipe.ts", "one-tfjs.mjs", "tsconfig.nodenext.json", "tsconfig.bundler.json"])
    cpSync(join(here, "project", f), join(dir, f));
  const dependencies: Record<string, string> = {
    "@tensorflow/tfjs-core": "^4.22.0",
    "@tensorflow/tfjs-layers": "^4.22.0",
  };
  for (const [name, file] of Object.entries(tarballs)) dependencies[name] = `file:${file}`;
  if (pnpm) {
    const overrides = Object.entries(dependencies)
      .filter(([n]) => n.startsWith("@graft/"))
      .map(([n, spec]) => `  "${n}": "${spec}"`);
    writeFileSync(join(dir, "pnpm-workspace.yaml"), `overrides:\n${overrides.join("\n")}\n`);
  }
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "my-classifier", private: true, type: "module", dependencies, devDependencies: { "@types/node": "^20.19.0" } }, null, 2)}\n`,
  );
}

const npmDir = join(work, "npm-project");

beforeAll(() => {
  tarballs = packAll(join(work, "tarballs"));
  console.log(`tarball bytes: ${JSON.stringify(sizes(tarballs))}`);
  project(npmDir);
  const r = ok(run("npm", ["install", "--no-audit", "--no-fund"], npmDir), "npm install");
  console.log(`npm install: ${(r.ms / 1000).toFixed(0)} s`);
}, 900_000);

afterAll(() => {
  if (!process.env.GRAFT_KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
});

/**
 * tsc's errors in the recipe and in graft's declarations. skipLibCheck is off, so
 * tsc reads every declaration file; tfjs' own (4.22: browser globals such as
 * ImageData and WebGLTexture, `Long`, one strictness error in tfjs-layers) fail
 * without the DOM lib and are not graft's to fix, so only their lines are left out.
 */
function ownErrors(output: string): string[] {
  const errors = output.split("\n").filter((l) => /^\S.*\(\d+,\d+\): error TS/.test(l));
  const foreign = /^node_modules\/(?!@graft\/)/;
  return errors.filter((l) => !foreign.test(l));
}

/** Every installed package path in npm's tree (node_modules/.package-lock.json). */
function installedTree(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, "node_modules", ".package-lock.json"), "utf8"));
  return Object.keys(lock.packages as Record<string, unknown>);
}

describe("installed with npm into a fresh project", () => {
  it("every graft package is in the tree, with one tfjs-core and one tfjs-layers, and no tsx", () => {
    const tree = installedTree(npmDir);
    for (const name of [...Object.keys(PACKAGES), PLATFORM])
      expect(tree).toContain(`node_modules/${name}`);
    expect(tree.filter((p) => p.endsWith("/@tensorflow/tfjs-core"))).toEqual([
      "node_modules/@tensorflow/tfjs-core",
    ]);
    expect(tree.filter((p) => p.endsWith("/@tensorflow/tfjs-layers"))).toEqual([
      "node_modules/@tensorflow/tfjs-layers",
    ]);
    expect(tree.filter((p) => /(^|\/)tsx$/.test(p))).toEqual([]);
    expect(tree.filter((p) => p.includes("@graft/test-fixtures"))).toEqual([]);
  });

  it("the recipe and graft's declarations type-check strictly under NodeNext and Bundler", () => {
    for (const config of ["tsconfig.bundler.json", "tsconfig.nodenext.json"]) {
      const r = run(bin("tsc"), ["-p", config], npmDir);
      expect(r.out, `tsc -p ${config} did not run: ${r.err}`).not.toMatch(/error TS5\d\d\d/);
      expect(ownErrors(r.out), `tsc -p ${config}`).toEqual([]);
    }
    expect(existsSync(join(npmDir, "out", "recipe.js"))).toBe(true);
  });

  it("the compiled recipe trains one epoch on graft-cpu with plain node", () => {
    const r = ok(
      run(process.execPath, ["out/recipe.js", "run", "1"], npmDir),
      "node out/recipe.js",
    );
    const result = JSON.parse(r.out.trim().split("\n").at(-1) as string);
    expect(result.backend).toBe("graft-cpu");
    expect(result.epochs).toBe(1);
    expect(result.valAcc).toHaveLength(1);
    expect(result.valAcc[0]).toBeGreaterThanOrEqual(0);
    expect(result.checkpoint).toBe(true);
    // No TypeScript loader anywhere in the process, and the workers ran built JavaScript.
    expect(r.err).not.toMatch(/decode workers failed|ERR_UNKNOWN_FILE_EXTENSION/);
  });

  it("one copy of tfjs-core is loaded at run time", () => {
    const r = ok(run(process.execPath, ["one-tfjs.mjs"], npmDir), "node one-tfjs.mjs");
    const seen = JSON.parse(r.out.trim());
    expect(seen.roots).toEqual([join(npmDir, "node_modules", "@tensorflow", "tfjs-core")]);
    expect(seen.entries).toHaveLength(1);
  });

  it("npx graft --version lists every package and the backends' build", () => {
    const r = ok(run("npx", ["graft", "--version"], npmDir), "npx graft --version");
    for (const name of Object.keys(PACKAGES).filter((n) => n !== "@graft/cli"))
      expect(r.out).toMatch(new RegExp(`${name}\\s+0\\.1\\.0`));
    expect(r.out).toMatch(/^graft 0\.1\.0 on Node\.js/);
    expect(r.out).toMatch(/graft-cpu: graft\.node 0\.1\.0 .*oneDNN/);
  });

  it("npx graft demo --epochs 1 runs the bundled default from the installed CLI", () => {
    const r = ok(
      run("npx", ["graft", "demo", "--epochs", "1", "--out", "demo-run"], npmDir),
      "npx graft demo",
    );
    expect(r.out).toContain("graft demo on graft-cpu");
    expect(existsSync(join(npmDir, "demo-run", "transfer", "report.html"))).toBe(true);
    expect(existsSync(join(npmDir, "demo-run", "scratch", "best.h5"))).toBe(true);
  });
});

describe("installed with pnpm into a fresh project", () => {
  const dir = join(work, "pnpm-project");
  it("installs, and the CLI and the compiled recipe run on plain node", () => {
    project(dir, true);
    ok(run("npx", [...PNPM, "install"], dir, userEnv({ CI: "" })), "pnpm install");
    const v = ok(
      run(join(dir, "node_modules", ".bin", "graft"), ["--version"], dir),
      "graft --version (pnpm)",
    );
    expect(v.out).toMatch(/graft-cpu: graft\.node 0\.1\.0/);
    expect(ownErrors(run(bin("tsc"), ["-p", "tsconfig.nodenext.json"], dir).out)).toEqual([]);
    const r = ok(run(process.execPath, ["out/recipe.js", "run", "1"], dir), "recipe (pnpm)");
    expect(JSON.parse(r.out.trim().split("\n").at(-1) as string).backend).toBe("graft-cpu");
  });
});

describe("installed globally with npm i -g", () => {
  it("graft --version and graft backends run from the global bin", () => {
    const prefix = join(work, "global");
    // The tarballs side by side, as a user would pass them before graft is on the registry.
    ok(
      run("npm", ["install", "-g", "--prefix", prefix, ...Object.values(tarballs)], work),
      "npm i -g",
    );
    const graft = join(prefix, "bin", "graft");
    const v = ok(run(graft, ["--version"], work), "graft --version (global)");
    expect(v.out).toMatch(/^graft 0\.1\.0 on Node\.js/);
    expect(v.out).toMatch(/graft-cpu: graft\.node 0\.1\.0 .*oneDNN/);
    const b = ok(run(graft, ["backends", "--json"], work), "graft backends (global)");
    const rows = JSON.parse(b.out).backends as {
      name: string;
      available: boolean;
      default: boolean;
    }[];
    expect(rows.find((r) => r.name === "graft-cpu")).toMatchObject({
      available: true,
      default: true,
    });
  });
});

describe("every tarball passes publint and attw", () => {
  for (const name of [...Object.keys(PACKAGES), PLATFORM]) {
    it(name, () => {
      const file = tarballs[name] as string;
      const p = run(bin("publint"), [file, "--strict"], here);
      expect(`${p.out}${p.err}`, `publint ${name}`).not.toMatch(/error|warning/i);
      expect(p.code).toBe(0);
      if (name === PLATFORM) return; // binaries only: no module for attw to resolve
      const a = run(bin("attw"), [file, "--profile", "esm-only", "--format", "ascii"], here);
      expect(a.code, `attw ${name}:\n${a.out}${a.err}`).toBe(0);
    });
  }
});
