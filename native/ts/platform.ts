/**
 * Where a prebuilt binary could come from: this machine's platform (OS, CPU, C
 * library), the platform packages graft publishes, and the facts a prebuilt package
 * records about itself (graft-prebuilt.json, written by scripts/pack-prebuilt.mjs),
 * checked before its .node file is loaded so that a mismatch becomes a sentence
 * instead of a dlopen error (or, for a CPU feature, a SIGILL).
 * Loads nothing itself: ts/index.ts and ts/cuda/addon.ts do the loading.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The machine a binary has to run on. `libc` is null off Linux. */
export interface HostPlatform {
  platform: string;
  arch: string;
  libc: "glibc" | "musl" | null;
  /** e.g. "2.36"; null without glibc. */
  glibcVersion: string | null;
}

/** The folder of @graft/native itself (the parent of ts/ or dist/). */
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** @graft/native's version, which every platform package must match. */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { version: string }
).version;

/** The graft-cpu prebuilt per platform key (see platformKey); npm installs it as an optional dependency. */
export const CPU_PREBUILT_PACKAGES: Readonly<Record<string, string>> = {
  "linux-x64-glibc": "@graft/native-linux-x64-gnu",
};

/** The graft-cuda prebuilt per platform key: opt-in, `npm i` it beside @graft/native. */
export const CUDA_PREBUILT_PACKAGES: Readonly<Record<string, string>> = {
  "linux-x64-glibc": "@graft/native-cuda-linux-x64-gnu",
};

/**
 * The command that builds graft.node from source: the bin for a user, the pnpm task
 * in graft's own repository (where no bin is linked into native/ itself).
 */
export function buildCommand(packageDir: string = PACKAGE_DIR): string {
  return existsSync(join(packageDir, "..", "pnpm-workspace.yaml"))
    ? "pnpm --filter @graft/native build"
    : "npx graft-native build";
}

let host: HostPlatform | undefined;

/** This machine (cached): the C library from process.report, as Node itself knows it. */
export function hostPlatform(): HostPlatform {
  if (host) return host;
  let libc: HostPlatform["libc"] = null;
  let glibcVersion: string | null = null;
  if (process.platform === "linux") {
    const report = process.report?.getReport() as
      | { header?: { glibcVersionRuntime?: string } }
      | undefined;
    glibcVersion = report?.header?.glibcVersionRuntime ?? null;
    libc = glibcVersion ? "glibc" : "musl";
  }
  host = { platform: process.platform, arch: process.arch, libc, glibcVersion };
  return host;
}

/** "linux-x64-glibc", "darwin-arm64": the key of the prebuilt tables. */
export function platformKey(p: HostPlatform): string {
  return p.libc ? `${p.platform}-${p.arch}-${p.libc}` : `${p.platform}-${p.arch}`;
}

/** "linux-x64 (glibc 2.36)", "linux-x64 (musl)", "darwin-arm64": for messages. */
export function platformName(p: HostPlatform): string {
  const base = `${p.platform}-${p.arch}`;
  if (p.libc === "glibc") return `${base} (glibc ${p.glibcVersion})`;
  if (p.libc === "musl") return `${base} (musl)`;
  return base;
}

/** -1, 0, 1 for dotted numeric versions ("2.34" < "2.36" < "2.100"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** The folder of an installed package, resolved as Node would from `from` (a folder), or null. */
export function findPackageDir(name: string, from: string = PACKAGE_DIR): string | null {
  try {
    const require = createRequire(join(from, "noop.js"));
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/** What scripts/pack-prebuilt.mjs records in a platform package (graft-prebuilt.json). */
export interface PrebuiltInfo {
  /** The package's name, e.g. "@graft/native-linux-x64-gnu" (older files may lack it). */
  name?: string;
  /** The package's version; it must equal @graft/native's. */
  version: string;
  /** The highest GLIBC_x.y symbol version any of its files needs, e.g. "2.34". */
  glibc: string | null;
  /** The highest GLIBCXX_ (libstdc++) symbol version, e.g. "3.4.30". */
  glibcxx: string | null;
  /** /proc/cpuinfo flags the binaries were compiled to assume (beyond what they check at run time). */
  cpuFlags: string[];
  /** The files beside it: the .node and the libraries bundled with it. */
  files: string[];
}

/** The package's graft-prebuilt.json, or a reason it cannot be read. */
export function readPrebuiltInfo(dir: string): PrebuiltInfo | string {
  const path = join(dir, "graft-prebuilt.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PrebuiltInfo;
  } catch (error) {
    return `${path} is missing or unreadable (${error instanceof Error ? error.message : String(error)}): the package was not filled by scripts/pack-prebuilt.mjs`;
  }
}

/** This CPU's /proc/cpuinfo flags, or null where there is no /proc/cpuinfo. */
export function cpuFlags(): ReadonlySet<string> | null {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
    return line ? new Set(line.trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

/**
 * Why a prebuilt must not be loaded here, or [] when it may: another version than
 * @graft/native's, a newer glibc than this machine's, a CPU feature this CPU lacks.
 */
export function prebuiltBlockers(
  name: string,
  info: PrebuiltInfo,
  p: HostPlatform,
  flags: ReadonlySet<string> | null,
  version: string = PACKAGE_VERSION,
): string[] {
  const out: string[] = [];
  if (info.version !== version) {
    out.push(
      `${name} is version ${info.version} but @graft/native is ${version}: install the same version (\`npm i ${name}@${version}\`)`,
    );
  }
  if (info.glibc && p.glibcVersion && compareVersions(p.glibcVersion, info.glibc) < 0) {
    out.push(
      `${name} needs glibc ${info.glibc} or newer and this machine has glibc ${p.glibcVersion}`,
    );
  }
  const lacking = flags ? info.cpuFlags.filter((f) => !flags.has(f)) : [];
  if (lacking.length > 0) {
    out.push(`${name} needs the CPU feature(s) ${lacking.join(", ")}, which this CPU lacks`);
  }
  return out;
}

/** A hint for a dlopen error naming a symbol version this machine's C/C++ runtime lacks. */
export function runtimeVersionHint(message: string, p: HostPlatform): string | null {
  const glibc = /GLIBC_(\d+(?:\.\d+)+)' not found/.exec(message)?.[1];
  if (glibc) {
    return `the binary needs glibc ${glibc} or newer and this machine has ${p.glibcVersion ? `glibc ${p.glibcVersion}` : "no glibc"}`;
  }
  const glibcxx = /GLIBCXX_(\d+(?:\.\d+)+)' not found/.exec(message)?.[1];
  if (glibcxx) {
    return `the binary needs libstdc++ with GLIBCXX_${glibcxx} (GCC's C++ runtime) and this machine's is older`;
  }
  return null;
}
