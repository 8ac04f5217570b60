#!/usr/bin/env node
// Fills the platform packages from the local build, ready for `npm pack` in their folders:
//
//   npm/linux-x64-gnu/       @graft/native-linux-x64-gnu: graft.node plus the libraries it
//                            needs beyond glibc/libstdc++/libm/libgcc_s (oneDNN, OpenMP,
//                            and what they need: libOpenCL from ocl-icd), each with the
//                            RUNPATH `$ORIGIN` (patchelf), so nothing from this machine's
//                            paths remains and the folder loads wherever it is installed.
//   npm/linux-x64-gnu-cuda/  @graft/native-cuda-linux-x64-gnu (when graft_cuda.node was
//                            built): graft_cuda.node alone, without RUNPATH; cuDNN and
//                            cuBLAS come from the user's machine (ts/cuda/libraries.ts).
//
// Each gets graft-prebuilt.json (version, the highest GLIBC_/GLIBCXX_ symbol version its
// files need, the CPU flags assumed, its files), which the loader checks before loading,
// and licenses/ with the Debian copyright file of every bundled library.
// Runs after scripts/build.mjs in `pnpm --filter @graft/native build` (about 1 s: copies
// and patchelf). Needs patchelf, readelf, objdump and ldd; installs patchelf with apt-get
// when root and it is missing (GRAFT_NO_APT=1: print the command instead).
// Without graft.node (or on another platform) it says so and exits 0: a contributor's
// build does not depend on it. `--strict`: exit 1 instead. Skips when graft.node and
// graft_cuda.node are unchanged since the last run (`--force` refills).
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { aptGet, onPath } from "./host.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const release = join(root, "build", "Release");
const strict = process.argv.includes("--strict");
const started = Date.now();

const log = (line) => console.log(`graft pack: ${line}`);
const fail = (line) => {
  console.error(`graft pack: ✗ ${line}`);
  process.exit(1);
};
const skip = (line) => {
  if (strict) fail(line);
  log(`✗ ${line}: platform packages not filled`);
  process.exit(0);
};

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
};

if (process.platform !== "linux" || process.arch !== "x64") {
  skip(`prebuilts are made on linux-x64 only, this is ${process.platform}-${process.arch}`);
}
const cpuNode = join(release, "graft.node");
if (!existsSync(cpuNode)) skip(`${cpuNode} is missing (run scripts/build.mjs first)`);

// --- tools ---
for (const tool of ["readelf", "objdump", "ldd"]) {
  if (!onPath(tool)) skip(`${tool} is not installed (binutils, libc-bin)`);
}
if (!onPath("patchelf")) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !onPath("apt-get") || process.env.GRAFT_NO_APT === "1") {
    skip("patchelf is not installed: `apt-get install -y patchelf`");
  }
  log("patchelf missing: installing it with apt-get");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const argv of [aptGet(["-q", "update"]), aptGet(["-q", "install", "-y", "patchelf"])]) {
    if (spawnSync(argv[0], argv.slice(1), { stdio: "inherit", env }).status !== 0) {
      skip(`\`${argv.join(" ")}\` failed`);
    }
  }
}

const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

// Nothing to do when the inputs are those of the last run (an unchanged rebuild).
const stampPath = join(root, "build", "pack-prebuilt.stamp.json");
const fileKey = (f) => (existsSync(f) ? [statSync(f).size, statSync(f).mtimeMs] : null);
const stamp = JSON.stringify({
  version,
  script: fileKey(fileURLToPath(import.meta.url)),
  cpu: fileKey(cpuNode),
  cuda: fileKey(join(release, "graft_cuda.node")),
  manifests: ["linux-x64-gnu", "linux-x64-gnu-cuda"].map((d) =>
    fileKey(join(root, "npm", d, "package.json")),
  ),
});
const filled = existsSync(join(root, "npm", "linux-x64-gnu", "graft-prebuilt.json"));
if (
  filled &&
  !process.argv.includes("--force") &&
  existsSync(stampPath) &&
  readFileSync(stampPath, "utf8") === stamp
) {
  log("✓ platform packages are up to date (--force to refill)");
  process.exit(0);
}

// What CMake found (oneDNN, the compiler, CUDA), read once for both packages' info files.
const build = JSON.parse(readFileSync(join(root, "build", "graft-build.json"), "utf8"));

// The C and C++ runtime every Linux with glibc has: never bundled.
const SYSTEM =
  /^(libc|libm|libdl|libpthread|librt|libresolv|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so/;

const dynamic = (file) => run("readelf", ["-d", "-W", file]);
const needed = (file) =>
  [...dynamic(file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
const runpath = (file) =>
  /\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]*)\]/.exec(dynamic(file))?.[1] ?? null;
// soname -> the file this machine's dynamic loader picks (ldd), for one object.
const resolved = (file) => {
  const map = new Map();
  for (const m of run("ldd", [file]).matchAll(/^\s*(\S+) => (\S+) \(/gm)) map.set(m[1], m[2]);
  return map;
};

// The non-system libraries `file` needs, transitively, with the file each resolves to.
function bundleFor(file) {
  const out = new Map();
  const where = resolved(file);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const soname of needed(current)) {
      if (SYSTEM.test(soname) || out.has(soname)) continue;
      const path = where.get(soname);
      if (!path || path === "not")
        fail(`${soname} (needed by ${current}) is not found on this machine`);
      out.set(soname, realpathSync(path));
      queue.push(path);
    }
  }
  return out;
}

// Highest GLIBC_x.y / GLIBCXX_x.y.z a file's imports name.
function symbolVersions(files) {
  const highest = { GLIBC: null, GLIBCXX: null };
  const cmp = (a, b) => {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
    }
    return 0;
  };
  for (const f of files) {
    for (const m of run("objdump", ["-T", f]).matchAll(/\b(GLIBC|GLIBCXX)_(\d+(?:\.\d+)+)\b/g)) {
      const [, kind, v] = m;
      if (highest[kind] === null || cmp(v, highest[kind]) > 0) highest[kind] = v;
    }
  }
  return highest;
}

// /usr/share/doc/<package>/copyright of the Debian package that owns `file`, if any.
function copyrightOf(file) {
  const r = spawnSync("dpkg", ["-S", file], { encoding: "utf8" });
  const pkg = r.status === 0 ? r.stdout.split(":")[0]?.trim() : null;
  const path = pkg ? `/usr/share/doc/${pkg}/copyright` : null;
  return path && existsSync(path) ? { pkg, path } : null;
}

// Removes what an earlier run copied (not the tracked package.json and README.md).
function clear(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "package.json" || name === "README.md") continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function checkVersion(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (pkg.version !== version) {
    fail(
      `${pkg.name} is ${pkg.version} in ${dir}/package.json but @graft/native is ${version}: make them equal`,
    );
  }
  return pkg.name;
}

function writeInfo(dir, info) {
  writeFileSync(join(dir, "graft-prebuilt.json"), `${JSON.stringify(info, null, 2)}\n`);
}

// Every file must have exactly `$ORIGIN` (or, with none = true, no RUNPATH at all).
function assertRunpath(file, expected) {
  const got = runpath(file);
  if (got !== expected)
    fail(`${file}: RUNPATH is ${got ?? "absent"}, expected ${expected ?? "none"}`);
}

// --- @graft/native-linux-x64-gnu ---
{
  const dir = join(root, "npm", "linux-x64-gnu");
  const name = checkVersion(dir);
  clear(dir);
  const bundle = bundleFor(cpuNode);
  const files = ["graft.node", ...bundle.keys()];
  copyFileSync(cpuNode, join(dir, "graft.node"));
  for (const [soname, real] of bundle) {
    copyFileSync(real, join(dir, soname));
    chmodSync(join(dir, soname), 0o755);
  }
  for (const f of files) {
    run("patchelf", ["--set-rpath", "$ORIGIN", join(dir, f)]);
    assertRunpath(join(dir, f), "$ORIGIN");
  }
  const licenses = join(dir, "licenses");
  mkdirSync(licenses, { recursive: true });
  const licensed = [];
  for (const [soname, real] of bundle) {
    const c = copyrightOf(real);
    if (c) {
      copyFileSync(c.path, join(licenses, `${c.pkg}.copyright`));
      licensed.push(`${soname}: ${c.pkg}`);
    } else {
      log(`  ! no Debian copyright file found for ${soname} (${real})`);
    }
  }
  const v = symbolVersions(files.map((f) => join(dir, f)));
  writeInfo(dir, {
    name,
    version,
    glibc: v.GLIBC,
    glibcxx: v.GLIBCXX,
    // Compiled for the x86-64 baseline; oneDNN picks its kernels by CPUID at run time.
    cpuFlags: ["sse2"],
    files,
    bundled: Object.fromEntries([...bundle].map(([soname, real]) => [soname, basename(real)])),
    licenses: licensed,
    onednn: build.onednn.found ? build.onednn.version : null,
    compiler: build.compiler,
  });
  const bytes = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  log(
    `✓ ${name}: ${files.join(", ")} (${(bytes / 2 ** 20).toFixed(1)} MiB), RUNPATH $ORIGIN, needs glibc ${v.GLIBC}, GLIBCXX ${v.GLIBCXX}`,
  );
}

// --- @graft/native-cuda-linux-x64-gnu (only when graft_cuda.node was built) ---
{
  const dir = join(root, "npm", "linux-x64-gnu-cuda");
  const name = checkVersion(dir);
  const cudaNode = join(release, "graft_cuda.node");
  clear(dir);
  if (!existsSync(cudaNode)) {
    log(
      `✗ ${name}: no build/Release/graft_cuda.node (nvcc, cuDNN or cuBLAS missing at build time)`,
    );
  } else {
    const target = join(dir, "graft_cuda.node");
    copyFileSync(cudaNode, target);
    // CMake links it without RUNPATH (cmake/cuda.cmake); drop one if an old build left it.
    if (runpath(target) !== null) run("patchelf", ["--remove-rpath", target]);
    assertRunpath(target, null);
    const v = symbolVersions([target]);
    writeInfo(dir, {
      name,
      version,
      glibc: v.GLIBC,
      glibcxx: v.GLIBCXX,
      cpuFlags: ["sse2"],
      files: ["graft_cuda.node"],
      needs: needed(target).filter((s) => !SYSTEM.test(s)),
      cuda: build.cudaAddon?.cudaVersion ?? null,
      cudnn: build.cudaAddon?.cudnnVersion ?? null,
      cublas: build.cudaAddon?.cublasVersion ?? null,
      archs: build.cudaAddon?.archs ?? [],
    });
    log(
      `✓ ${name}: graft_cuda.node, no RUNPATH, needs glibc ${v.GLIBC}; cuDNN/cuBLAS from the user's machine`,
    );
  }
}
writeFileSync(stampPath, stamp);
log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
