#!/usr/bin/env node
// Builds native/build/Release/graft.node: `pnpm --filter @graft/native build`.
//
// 1. Checks for cmake, a C++ compiler and make/ninja. If one is missing and we may
//    install (root, or passwordless sudo; not GRAFT_NO_APT=1), apt-get installs them.
// 2. oneDNN is optional: if its headers are missing and we may install, installs
//    libdnnl-dev; otherwise prints the command and builds without it.
// 3. CUDA is optional (GRAFT_WITH_CUDA=AUTO): where nvcc is on PATH but cuDNN 9 or
//    cuBLAS is missing, and pip is there, pip installs the wheels nvidia-cudnn-cu13
//    and nvidia-cublas (GRAFT_NO_PIP=1: print the command instead). CMake then builds
//    a separate build/Release/graft_cuda.node (cmake/cuda.cmake).
// 4. Runs cmake-js configure + build into build/. Never wipes build/ (incremental
//    rebuilds take a second), except once when the cached configuration is stale.
// 5. In graft's repository (not in an installed package, which lacks the script):
//    scripts/pack-prebuilt.mjs refills the platform packages in npm/.
//
// Environment: GRAFT_WITH_ONEDNN=OFF, GRAFT_WITH_CUDA=AUTO|ON|OFF, GRAFT_CUDA_ARCHS=90,
// CUDNN_ROOT=<prefix>, CUBLAS_ROOT=<prefix>, GRAFT_ONEDNN_ROOT=<prefix>, GRAFT_NO_APT=1,
// GRAFT_NO_PIP=1. Arguments: --clean (wipe build/ first); anything else goes to
// `cmake-js configure` (e.g. --CDCMAKE_VERBOSE_MAKEFILE=ON).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { aptGet, onPath } from "./host.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const buildDir = join(root, "build");
const started = Date.now();

const log = (line) => console.log(`graft build: ${line}`);
const fail = (line) => {
  console.error(`graft build: ✗ ${line}`);
  process.exit(1);
};

const args = process.argv.slice(2);
const clean = args.includes("--clean");
const passThrough = args.filter((a) => a !== "--clean");

const onOff = (name, fallback, auto = false) => {
  const raw = (process.env[name] ?? "").trim().toUpperCase();
  if (raw === "") return fallback;
  if (auto && raw === "AUTO") return "AUTO";
  if (["1", "ON", "TRUE", "YES"].includes(raw)) return "ON";
  if (["0", "OFF", "FALSE", "NO"].includes(raw)) return "OFF";
  fail(`${name}=${process.env[name]}: expected ${auto ? "AUTO, " : ""}ON or OFF`);
};
const withOneDnn = onOff("GRAFT_WITH_ONEDNN", "ON");
const withCuda = onOff("GRAFT_WITH_CUDA", "AUTO", true);
const oneDnnRoot = process.env.GRAFT_ONEDNN_ROOT ?? "";
const cudaArchs = (process.env.GRAFT_CUDA_ARCHS ?? "").trim() || "90";
const cudnnRoot = process.env.CUDNN_ROOT ?? "";
const cublasRoot = process.env.CUBLAS_ROOT ?? "";

// --- what is installed ---
const which = (cmd) =>
  cmd.includes("/")
    ? cmd
    : (process.env.PATH ?? "")
        .split(delimiter)
        .map((dir) => join(dir, cmd))
        .find((f) => existsSync(f));
const cxxCompiler = () =>
  process.env.CXX
    ? onPath(process.env.CXX) || existsSync(process.env.CXX)
    : ["c++", "g++", "clang++"].some(onPath);
const missingTools = () => [
  ...(onPath("cmake") ? [] : ["cmake"]),
  ...(cxxCompiler() ? [] : ["a C++ compiler"]),
  ...(onPath("make") || onPath("ninja") ? [] : ["make (or ninja)"]),
];
const oneDnnHeaders = ["/usr/include/dnnl.hpp", "/usr/include/oneapi/dnnl/dnnl.hpp"];
const hasOneDnnHeaders = () => oneDnnHeaders.some((p) => existsSync(p));

// --- may we install with apt-get? ---
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = process.platform === "linux" && onPath("apt-get");
const noApt = process.env.GRAFT_NO_APT === "1";
const canSudo = () =>
  !isRoot && onPath("sudo") && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
const mayInstall = hasApt && !noApt && (isRoot || canSudo());
const sudo = isRoot ? [] : ["sudo", "-n"];
const aptCommand = (packages) =>
  `${isRoot ? "" : "sudo "}apt-get update && ${isRoot ? "" : "sudo "}apt-get install -y ${packages.join(" ")}`;

let aptUpdated = false;
const aptInstall = (packages) => {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (argv) => {
    log(`$ ${argv.join(" ")}`);
    return spawnSync(argv[0], argv.slice(1), { stdio: "inherit", env }).status === 0;
  };
  if (!aptUpdated) {
    if (!run([...sudo, ...aptGet(["-q", "update"])])) return false;
    aptUpdated = true;
  }
  return run([...sudo, ...aptGet(["-q", "install", "-y", ...packages])]);
};

// --- 1. toolchain ---
let missing = missingTools();
if (missing.length > 0) {
  const toolchain = ["cmake", "g++", "make"];
  if (!mayInstall) {
    const why = !hasApt
      ? "install them with your system's package manager"
      : noApt
        ? `GRAFT_NO_APT=1, so run: ${aptCommand(toolchain)}`
        : `not root and no passwordless sudo, so run: ${aptCommand(toolchain)}`;
    fail(`missing ${missing.join(", ")}: ${why}`);
  }
  log(`missing ${missing.join(", ")}: installing with apt-get`);
  if (!aptInstall(toolchain)) fail(`apt-get could not install ${toolchain.join(" ")}`);
  missing = missingTools();
  if (missing.length > 0) fail(`still missing ${missing.join(", ")} after apt-get install`);
}
log("✓ toolchain: cmake, C++ compiler, make/ninja");

// --- 2. oneDNN (optional) ---
if (withOneDnn === "OFF") {
  log("✗ oneDNN: skipped (GRAFT_WITH_ONEDNN=OFF)");
} else if (oneDnnRoot !== "") {
  log(`oneDNN: CMake looks under GRAFT_ONEDNN_ROOT=${oneDnnRoot}`);
} else if (!hasOneDnnHeaders()) {
  if (mayInstall) {
    log("oneDNN headers missing: installing libdnnl-dev with apt-get");
    if (!aptInstall(["libdnnl-dev"])) {
      log("✗ oneDNN: apt-get install libdnnl-dev failed; building without oneDNN");
    }
  } else {
    const how = hasApt
      ? aptCommand(["libdnnl-dev"])
      : "install oneDNN >= 2 and set GRAFT_ONEDNN_ROOT";
    log(`✗ oneDNN headers missing; building without oneDNN. To add it run: ${how}`);
  }
}

// --- 3. CUDA (optional): cuDNN and cuBLAS from pip wheels where nvcc is present ---
const nvcc = process.env.CUDACXX || (onPath("nvcc") ? "nvcc" : "");
const CUDA_WHEELS = ["nvidia-cudnn-cu13", "nvidia-cublas"];
// Package scripts run with node's folder first on PATH, where a system python3
// (PEP 668 "externally managed", no pip installs) can shadow the one the user
// keeps pip packages in. Try $PYTHON, python3, python and pyenv's shims, and
// take the first that already has the wheels, else the first that pip may
// install into; CMake is then told to use the same interpreter (GRAFT_PYTHON).
const pythonCandidates = [
  process.env.PYTHON,
  "python3",
  "python",
  join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "shims", "python3"),
].filter((c) => c && (c.includes("/") ? existsSync(c) : onPath(c)));
const hasWheels = (py) =>
  spawnSync(
    py,
    [
      "-c",
      "import nvidia, os, sys; ps = list(nvidia.__path__); " +
        "ok = any(os.path.exists(os.path.join(p, 'cudnn', 'include', 'cudnn_version.h')) for p in ps) and " +
        "any(os.path.exists(os.path.join(p, d, 'include', 'cublasLt.h')) for p in ps for d in ('cu13', 'cublas')); " +
        "sys.exit(0 if ok else 1)",
    ],
    { stdio: "ignore" },
  ).status === 0;
const pipUsable = (py) =>
  spawnSync(
    py,
    [
      "-c",
      "import os, sys, sysconfig, pip; " +
        "sys.exit(1 if os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')) else 0)",
    ],
    { stdio: "ignore" },
  ).status === 0;
const python =
  nvcc && withCuda !== "OFF"
    ? (pythonCandidates.find(hasWheels) ?? pythonCandidates.find(pipUsable) ?? pythonCandidates[0])
    : pythonCandidates[0];
// Where CMake will look first: site-packages/nvidia/{cudnn,cu13} of that python.
const wheelsPresent = () => python !== undefined && hasWheels(python);
if (withCuda === "OFF") {
  log("✗ CUDA: skipped (GRAFT_WITH_CUDA=OFF)");
} else if (!nvcc) {
  log(
    "✗ CUDA: nvcc is not on PATH, so graft_cuda.node is not built (install the CUDA toolkit >= 12 to build it)",
  );
} else if (cudnnRoot !== "" || cublasRoot !== "") {
  log(
    `CUDA: CMake looks under CUDNN_ROOT=${cudnnRoot || "(wheel/system)"} CUBLAS_ROOT=${cublasRoot || "(wheel/system)"}`,
  );
} else if (wheelsPresent()) {
  log("CUDA: cuDNN and cuBLAS wheels found (python3 site-packages/nvidia)");
} else {
  const pipArgs = ["-m", "pip", "install", "--retries", "0", "--timeout", "5", ...CUDA_WHEELS];
  const command = `${python ?? "python3"} ${pipArgs.join(" ")}`;
  const hasPip =
    python !== undefined &&
    spawnSync(python, ["-m", "pip", "--version"], { stdio: "ignore" }).status === 0;
  if (process.env.GRAFT_NO_PIP === "1" || !hasPip) {
    const why = hasPip ? "GRAFT_NO_PIP=1" : "pip is not available";
    log(`✗ CUDA: cuDNN 9 / cuBLAS not found and ${why}; to build graft_cuda.node run: ${command}`);
  } else {
    log(`CUDA: nvcc found but cuDNN 9 / cuBLAS are not; installing the wheels: $ ${command}`);
    const t0 = Date.now();
    const r = spawnSync(python, pipArgs, { stdio: "inherit" });
    if (r.status === 0) log(`CUDA: wheels installed in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    else log(`✗ CUDA: pip failed (exit ${r.status}); building without graft_cuda.node`);
  }
}

// --- 4. cmake-js configure + build ---
const require = createRequire(import.meta.url);
let cmakeJs;
try {
  cmakeJs = join(dirname(require.resolve("cmake-js/package.json")), "bin", "cmake-js");
} catch {
  fail("cmake-js is not installed: run `pnpm install` at the repository root");
}

if (clean && existsSync(buildDir)) {
  log("--clean: removing build/");
  rmSync(buildDir, { recursive: true, force: true });
}

const common = ["--directory", root, "--out", buildDir, "--config", "Release"];
// Always pass the options, so that a value from an earlier build does not stick in the cache.
// They go after `--` as plain -D arguments: cmake-js drops a `--CD` option with an empty value.
const configureArgs = [
  "configure",
  ...common,
  ...passThrough,
  "--",
  `-DGRAFT_WITH_ONEDNN=${withOneDnn}`,
  `-DGRAFT_WITH_CUDA=${withCuda}`,
  `-DGRAFT_CUDA_ARCHS=${cudaArchs}`,
  `-DCUDNN_ROOT=${cudnnRoot}`,
  ...(python && which(python) ? [`-DGRAFT_PYTHON=${which(python)}`] : []),
  `-DCUBLAS_ROOT=${cublasRoot}`,
  `-DGRAFT_ONEDNN_ROOT=${oneDnnRoot}`,
];
const buildArgs = ["build", ...common, "--parallel", String(availableParallelism())];

// Runs cmake-js. With capture, its output is echoed once it ends and also returned.
const cmakeJsRun = (argv, capture = false) => {
  const result = spawnSync(process.execPath, [cmakeJs, ...argv], {
    cwd: root,
    encoding: "utf8",
    stdio: capture ? ["inherit", "pipe", "pipe"] : "inherit",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (capture) {
    process.stdout.write(result.stdout ?? "");
    process.stderr.write(result.stderr ?? "");
  }
  if (result.error) fail(`could not run cmake-js: ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
};

let configured = cmakeJsRun(configureArgs, true);
// A build/ made by another generator or in another checkout cannot be reused: start over once.
const stale = /does not match the generator used previously|is different than the directory/i;
if (!configured.ok && stale.test(configured.output)) {
  log("build/ was configured differently (other generator or directory): removing it and retrying");
  rmSync(buildDir, { recursive: true, force: true });
  configured = cmakeJsRun(configureArgs, true);
}
if (!configured.ok) fail("CMake configure failed (see above)");
if (!cmakeJsRun(buildArgs).ok) fail("compile failed (see above)");

const addon = join(buildDir, "Release", "graft.node");
if (!existsSync(addon)) fail(`the build succeeded but ${addon} is missing`);
const info = JSON.parse(readFileSync(join(buildDir, "graft-build.json"), "utf8"));
const seconds = ((Date.now() - started) / 1000).toFixed(1);
log(`✓ ${addon} in ${seconds}s`);
log(
  info.onednn.found
    ? `  ✓ oneDNN ${info.onednn.version} (${info.onednn.library})`
    : `  ✗ oneDNN (${info.onednn.reason})`,
);
const cuda = info.cudaAddon;
if (cuda?.found) {
  if (!existsSync(cuda.path)) fail(`CMake configured graft_cuda.node but ${cuda.path} is missing`);
  log(
    `  ✓ CUDA ${cuda.cudaVersion} (sm_${cuda.archs.join(",sm_")}), cuDNN ${cuda.cudnnVersion}, ` +
      `cuBLAS ${cuda.cublasVersion} -> ${cuda.path}`,
  );
} else {
  log(`  ✗ CUDA (${cuda?.reason ?? info.cuda.reason})`);
}

// --- 5. in graft's repository: refill the platform packages (npm/*) from this build ---
// scripts/pack-prebuilt.mjs is not shipped, so `graft-native build` in an installed
// package stops above. It takes about 2 s, and nothing when the addons did not change.
const packPrebuilt = join(root, "scripts", "pack-prebuilt.mjs");
if (existsSync(packPrebuilt) && existsSync(join(root, "npm"))) {
  const packed = spawnSync(process.execPath, [packPrebuilt], { stdio: "inherit" });
  if (packed.status !== 0) fail("scripts/pack-prebuilt.mjs failed (see above)");
}
