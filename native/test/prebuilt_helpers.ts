/**
 * The platform package as a user gets it: `npm pack` of native/npm/linux-x64-gnu (as
 * scripts/pack-prebuilt.mjs filled it) unpacked into a temporary node_modules, beside
 * an empty app folder to resolve it from.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const nativeDir = fileURLToPath(new URL("..", import.meta.url));
export const PLATFORM_PACKAGE = "@graft/native-linux-x64-gnu";
export const platformFolder = join(nativeDir, "npm", "linux-x64-gnu");

export interface Installed {
  /** The temporary root: node_modules/ and app/ are in it. */
  root: string;
  /** node_modules/@graft/native-linux-x64-gnu. */
  packageDir: string;
  /** A folder to resolve the package from, as an installed app would. */
  appDir: string;
  tarball: string;
}

/** The unpacked package, or why it cannot be made here (then the tests skip with that reason). */
export function installPlatformPackage(): Installed | string {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `the prebuilt is linux-x64 only (this is ${process.platform}-${process.arch})`;
  }
  if (!existsSync(join(platformFolder, "graft.node"))) {
    return `${platformFolder}/graft.node is missing: run \`node scripts/pack-prebuilt.mjs\` after the build`;
  }
  const root = mkdtempSync(join(tmpdir(), "graft-prebuilt-"));
  const r = spawnSync("npm", ["pack", "--json", "--pack-destination", root], {
    cwd: platformFolder,
    encoding: "utf8",
  });
  if (r.status !== 0) return `npm pack failed: ${r.stderr}`;
  const [info] = JSON.parse(r.stdout) as { filename: string }[];
  const tarball = join(root, info?.filename as string);
  const packageDir = join(root, "node_modules", "@graft", "native-linux-x64-gnu");
  mkdirSync(packageDir, { recursive: true });
  const x = spawnSync("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"], {
    encoding: "utf8",
  });
  if (x.status !== 0) return `tar failed: ${x.stderr}`;
  const appDir = join(root, "app");
  mkdirSync(appDir, { recursive: true });
  return { root, packageDir, appDir, tarball };
}
