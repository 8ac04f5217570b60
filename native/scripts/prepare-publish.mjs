#!/usr/bin/env node
// Packs the publishable tarballs of @graft/native and its platform packages:
//
//   node scripts/prepare-publish.mjs [destination]     (default: build/tarballs)
//
// after `pnpm --filter @graft/native build` (dist/, graft.node, the filled npm/* folders).
//
// 1. @graft/native: its `files` are copied into a staging folder with a publish
//    manifest: package.json plus `optionalDependencies` on the platform packages, minus
//    devDependencies (catalog:/workspace: mean nothing outside this repository) and the
//    repository's scripts. Why not write optionalDependencies into package.json: pnpm
//    would resolve @graft/native-linux-x64-gnu from the registry on every install here
//    (it is deliberately not a workspace package) and the frozen install would fail;
//    npm pack uses package.json as it is (npm's publishConfig holds registry settings
//    only, pnpm's cannot add dependencies); and a prepack script that rewrites
//    package.json in place leaves it rewritten when the pack is interrupted.
// 2. Each platform package whose folder scripts/pack-prebuilt.mjs filled: `npm pack`
//    in that folder, as it stands.
//
// Prints each tarball's path and size; `--json` prints them as JSON instead.
import { spawnSync } from "node:child_process";
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
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const json = args.includes("--json");
const dest = resolve(args.find((a) => !a.startsWith("--")) ?? join(root, "build", "tarballs"));

const fail = (line) => {
  console.error(`graft publish: ✗ ${line}`);
  process.exit(1);
};

// The platform packages @graft/native depends on optionally (npm installs the one
// matching os/cpu/libc). The CUDA package is opt-in and deliberately not listed.
const OPTIONAL_PLATFORM_PACKAGES = ["linux-x64-gnu"];
const PLATFORM_FOLDERS = ["linux-x64-gnu", "linux-x64-gnu-cuda"];
const BINARY = { "linux-x64-gnu": "graft.node", "linux-x64-gnu-cuda": "graft_cuda.node" };

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
if (!existsSync(join(root, "dist", "index.js"))) {
  fail("dist/ is missing: run `pnpm --filter @graft/native build` first");
}

function npmPack(cwd) {
  const r = spawnSync("npm", ["pack", "--json", "--pack-destination", dest], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) fail(`npm pack in ${cwd} failed: ${r.stderr.trim()}`);
  const [info] = JSON.parse(r.stdout);
  return {
    name: info.name,
    file: join(dest, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
  };
}

mkdirSync(dest, { recursive: true });
const packed = [];

// --- 1. @graft/native from a staged copy ---
const optionalDependencies = {};
for (const folder of OPTIONAL_PLATFORM_PACKAGES) {
  const platform = JSON.parse(readFileSync(join(root, "npm", folder, "package.json"), "utf8"));
  if (platform.version !== pkg.version) {
    fail(
      `${platform.name} is ${platform.version} but @graft/native is ${pkg.version}: make them equal`,
    );
  }
  optionalDependencies[platform.name] = platform.version;
}
const { devDependencies: _dev, scripts: _scripts, ...rest } = pkg;
const manifest = { ...rest, optionalDependencies };
const staging = mkdtempSync(join(tmpdir(), "graft-native-publish-"));
try {
  for (const entry of pkg.files) {
    const from = join(root, entry);
    if (!existsSync(from)) fail(`"${entry}" is in package.json "files" but ${from} does not exist`);
    mkdirSync(dirname(join(staging, entry)), { recursive: true });
    cpSync(from, join(staging, entry), { recursive: true });
  }
  writeFileSync(join(staging, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  packed.push(npmPack(staging));
} finally {
  rmSync(staging, { recursive: true, force: true });
}

// --- 2. the platform packages, as pack-prebuilt.mjs left them ---
for (const folder of PLATFORM_FOLDERS) {
  const dir = join(root, "npm", folder);
  if (!existsSync(join(dir, BINARY[folder]))) {
    const why = `npm/${folder}/${BINARY[folder]} is missing (scripts/pack-prebuilt.mjs fills it after the build)`;
    if (OPTIONAL_PLATFORM_PACKAGES.includes(folder)) fail(why);
    if (!json) console.log(`graft publish: ✗ skipped ${folder}: ${why}`);
    continue;
  }
  packed.push(npmPack(dir));
}

if (json) {
  console.log(JSON.stringify(packed, null, 2));
} else {
  for (const p of packed) {
    const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    console.log(`graft publish: ✓ ${p.file} (${mb(p.size)}, ${mb(p.unpackedSize)} unpacked)`);
  }
}
