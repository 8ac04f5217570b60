/**
 * Packs graft's packages as they would be published, and installs them into fresh
 * projects outside the repository. Every command is a real npm/pnpm run; the only
 * network traffic is the registry's, for graft's third-party dependencies.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The published packages, by folder. */
export const PACKAGES: Record<string, string> = {
  "@graft/weights": "packages/weights",
  "@graft/models": "packages/models",
  "@graft/data": "packages/data",
  "@graft/augment": "packages/augment",
  "@graft/training": "packages/training",
  "@graft/scenarios": "packages/scenarios",
  "@graft/report": "packages/report",
  "@graft/demo": "packages/demo",
  "@graft/native": "native",
  "@graft/cli": "apps/cli",
};

export const PNPM = ["-y", "pnpm@12.4.2"];

/** The environment of a user's shell: none of the monorepo's source condition, no CI-only switches. */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  delete env.INIT_CWD;
  for (const k of Object.keys(env))
    if (k.startsWith("npm_") || k.startsWith("VITEST")) delete env[k];
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  return env;
}

export interface Run {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

/** Runs a command to the end (never throws): exit code, both outputs, wall time. */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = userEnv(),
  timeoutMs = 600_000,
): Run {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: timeoutMs });
  return {
    code: r.status,
    out: r.stdout ?? "",
    err: `${r.stderr ?? ""}${r.error ? `\n${r.error.message}` : ""}`,
    ms: performance.now() - t0,
  };
}

/** Throws with the command's output unless it exited 0. */
export function ok(r: Run, what: string): Run {
  if (r.code !== 0)
    throw new Error(`${what} exited ${r.code}:\n${r.out.slice(-4000)}\n${r.err.slice(-4000)}`);
  return r;
}

/**
 * Every package packed into `dest` as it would be published — `pnpm pack` (workspace:
 * and catalog: become versions), @graft/native with its graft-cpu platform package —
 * name → tarball.
 */
export function packAll(dest: string): Record<string, string> {
  mkdirSync(dest, { recursive: true });
  const tarballs: Record<string, string> = {};
  // @graft/native's manifest gains its platform packages as optionalDependencies at pack
  // time (native/scripts/prepare-publish.mjs), which also packs the platform packages.
  const native = ok(
    run(
      process.execPath,
      ["scripts/prepare-publish.mjs", dest, "--json"],
      join(repoRoot, "native"),
    ),
    "native/scripts/prepare-publish.mjs",
  );
  for (const t of JSON.parse(native.out) as { name: string; file: string }[])
    if (t.name !== "@graft/native-cuda-linux-x64-gnu") tarballs[t.name] = t.file;
  for (const [name, dir] of Object.entries(PACKAGES)) {
    if (name === "@graft/native") continue;
    const before = new Set(readdirSync(dest));
    ok(
      run("npx", [...PNPM, "pack", "--pack-destination", dest], join(repoRoot, dir)),
      `pnpm pack ${name}`,
    );
    const made = readdirSync(dest).filter((f) => !before.has(f) && f.endsWith(".tgz"));
    if (made.length !== 1)
      throw new Error(`pnpm pack ${name} made ${made.join(", ") || "nothing"}`);
    tarballs[name] = join(dest, made[0] as string);
  }
  return tarballs;
}

/** Bytes of each tarball, for the record. */
export function sizes(tarballs: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(tarballs).map(([n, f]) => [n, statSync(f).size]));
}
