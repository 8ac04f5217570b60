/**
 * Finds a Chromium for the browser tests, once per run, and hands it to them with
 * `provide("chromium", …)`. Order: $GRAFT_CHROMIUM, /usr/bin/chromium, then
 * `chromium-browser` / `chromium` on PATH. When none is found and we are root with
 * apt-get (a CI container), it installs Debian's `chromium` package, saying so.
 * Without a browser the browser tests skip and print why; set
 * GRAFT_REQUIRE_CHROMIUM=1 to make that an error instead, GRAFT_CHROMIUM_INSTALL=0
 * to never install.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestProject } from "vitest/node";

export interface ChromiumLookup {
  /** An executable Chromium, or null. */
  path: string | null;
  /** `chromium --version`, when it ran. */
  version: string | null;
  /** Why there is no browser (or how this one was found). */
  reason: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    chromium: ChromiumLookup;
  }
}

const log = (message: string) => console.log(`[@graft/report] ${message}`);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && isExecutable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function version(path: string): string | null {
  const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function find(): { path: string; how: string } | null {
  const fromEnv = process.env.GRAFT_CHROMIUM;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return { path: fromEnv, how: "GRAFT_CHROMIUM" };
    log(`GRAFT_CHROMIUM=${fromEnv} is not an executable file; looking elsewhere`);
  }
  if (isExecutable("/usr/bin/chromium"))
    return { path: "/usr/bin/chromium", how: "/usr/bin/chromium" };
  for (const name of ["chromium-browser", "chromium"]) {
    const path = onPath(name);
    if (path) return { path, how: `${name} on PATH` };
  }
  return null;
}

// The native build may run apt-get at the same moment (oneDNN, patchelf), and apt refuses a
// second caller at once; graft's apt-get calls queue on one flock and wait for dpkg's lock.
function apt(args: string[]): boolean {
  const aptArgs = ["-o", "DPkg::Lock::Timeout=600", ...args];
  return onPath("flock")
    ? run("flock", ["-w", "1200", "/tmp/graft-apt.lock", "apt-get", ...aptArgs])
    : run("apt-get", aptArgs);
}

function run(command: string, args: string[]): boolean {
  log(`running: ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) {
    log(`${command} failed: ${r.error?.message ?? `exit status ${r.status ?? r.signal}`}`);
  }
  return r.status === 0;
}

/** Why we may not install, or null when we may. */
function cannotInstall(): string | null {
  if (process.env.GRAFT_CHROMIUM_INSTALL === "0") return "GRAFT_CHROMIUM_INSTALL=0";
  if (process.platform !== "linux") return `platform is ${process.platform}, not linux`;
  if (process.getuid?.() !== 0) return "not running as root";
  if (!onPath("apt-get")) return "apt-get is not available";
  return null;
}

export function lookupChromium(): ChromiumLookup {
  let found = find();
  if (!found) {
    const why = cannotInstall();
    if (why) {
      return {
        path: null,
        version: null,
        reason: `no Chromium found (GRAFT_CHROMIUM, /usr/bin/chromium, chromium-browser, chromium) and not installing it: ${why}. Install Debian's "chromium" package or set GRAFT_CHROMIUM.`,
      };
    }
    log(
      "no Chromium found; installing Debian's chromium package with apt-get (this takes a minute)",
    );
    const ok = apt(["update"]) && apt(["install", "-y", "--no-install-recommends", "chromium"]);
    found = find();
    if (!found) {
      return {
        path: null,
        version: null,
        reason: `no Chromium found, and installing it with apt-get ${ok ? "did not provide one" : "failed (see the log above)"}`,
      };
    }
    log(`installed ${found.path}`);
  }
  const v = version(found.path);
  if (v === null) {
    return {
      path: null,
      version: null,
      reason: `${found.path} (${found.how}) does not run: \`--version\` failed`,
    };
  }
  log(`browser tests use ${v} at ${found.path} (${found.how})`);
  return { path: found.path, version: v, reason: `found via ${found.how}` };
}

export default function setup(project: TestProject): void {
  const chromium = lookupChromium();
  if (!chromium.path) {
    if (process.env.GRAFT_REQUIRE_CHROMIUM === "1") {
      throw new Error(`GRAFT_REQUIRE_CHROMIUM=1 but ${chromium.reason}`);
    }
    log(`browser tests will be SKIPPED: ${chromium.reason}`);
  }
  project.provide("chromium", chromium);
}
