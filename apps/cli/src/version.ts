/**
 * `graft --version`: the version of every graft package this command runs on (as
 * installed, read from each package's own package.json) and what the native
 * backends were built with, so a bug report carries everything in one paste.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { addonStatus, capabilities } from "@graft/native";
import type { Io } from "./io.ts";

/** The packages `graft --version` lists, the CLI first. */
export const GRAFT_PACKAGES = [
  "@graft/cli",
  "@graft/native",
  "@graft/weights",
  "@graft/models",
  "@graft/data",
  "@graft/augment",
  "@graft/training",
  "@graft/scenarios",
  "@graft/report",
  "@graft/demo",
] as const;

const TFJS_PACKAGES = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-layers"] as const;

/** The package.json above a resolved entry point: its folder's nearest one. */
function packageJsonOf(entry: string): { path: string; version?: string } | null {
  let dir = dirname(entry.startsWith("file:") ? fileURLToPath(entry) : entry);
  for (;;) {
    const p = join(dir, "package.json");
    if (existsSync(p)) return { path: p, ...JSON.parse(readFileSync(p, "utf8")) };
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

// Where packages were found: a package the CLI does not depend on directly (e.g.
// @graft/report, under @graft/scenarios) resolves from one of them.
const bases: string[] = [];

/** `name`'s installed version as the CLI (or a graft package under it) resolves it; null when absent. */
export function installedVersion(name: string): string | null {
  const found = (entry: string) => {
    const pj = packageJsonOf(entry);
    if (pj) bases.push(pj.path);
    return pj?.version ?? null;
  };
  if (name === "@graft/cli") return found(import.meta.url);
  try {
    return found(import.meta.resolve(name));
  } catch {
    for (const base of bases) {
      try {
        return found(createRequire(base).resolve(name));
      } catch {
        // not under this one either
      }
    }
    return null;
  }
}

/** Each line of `graft --version`. Never throws: a backend that cannot load says why. */
export async function versionLines(): Promise<string[]> {
  const lines: string[] = [];
  const cli = installedVersion("@graft/cli");
  lines.push(
    `graft ${cli ?? "(unknown version)"} on Node.js ${process.version} (${process.platform}-${process.arch})`,
  );
  for (const name of [...GRAFT_PACKAGES.slice(1), ...TFJS_PACKAGES]) {
    lines.push(`  ${name.padEnd(24)} ${installedVersion(name) ?? "not installed"}`);
  }
  const status = addonStatus();
  if (status.loaded) {
    const c = capabilities();
    lines.push(
      `graft-cpu: graft.node ${c.version} (${status.path}), Node-API ${c.napiVersion}, ${c.compiler} ${c.buildType}, ` +
        (c.onednn ? `oneDNN ${c.onednnVersion} (${c.onednnIsa})` : `no oneDNN: ${c.onednnReason}`),
    );
  } else {
    lines.push(`graft-cpu: not available: ${status.reasons.join("; ")}`);
  }
  const cuda = await import("@graft/native/graft-cuda");
  const probed = cuda.probeCudaAddon();
  const p = probed.probe;
  if (p !== null) {
    const built = `graft_cuda.node ${p.version} (${probed.path}), sm_${p.archs}, CUDA runtime ${p.runtimeVersion}, cuDNN ${p.cudnnVersion}, cuBLAS ${p.cublasVersion}`;
    lines.push(
      probed.ok
        ? `graft-cuda: ${built}, ${p.device} (driver ${p.driverVersion})`
        : `graft-cuda: ${built}; cannot run here: ${probed.reason}`,
    );
  } else {
    lines.push(`graft-cuda: not available: ${probed.ok ? "" : probed.reason}`);
  }
  return lines;
}

/** Prints `graft --version`. */
export async function versionCommand(io: Io): Promise<number> {
  for (const line of await versionLines()) io.out(line);
  return 0;
}
