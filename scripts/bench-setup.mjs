#!/usr/bin/env node
// Installs the references `pnpm bench` measures graft against into a virtual environment at
// .bench-venv in the repository root, where the benches look first (test-fixtures/python.ts):
// TensorFlow's CPU build with Keras 3, h5py, SciPy and Pillow by default; PyTorch and ONNX
// too with `--with torch` (the PyTorch figures and the ONNX file onnxruntime-node runs; from
// PyPI on Linux that is the CUDA build unless pip is given PyTorch's CPU index after --).
//
//   pnpm bench:setup                       # Keras/TensorFlow, h5py, SciPy, Pillow
//   pnpm bench:setup --with torch          # and PyTorch + ONNX
//   pnpm bench:setup -- --index-url URL    # anything after -- goes to pip as written
//
// On a bare Debian machine run as root it installs python3 and python3-venv with apt-get
// first; elsewhere it says which packages are missing. Running it again upgrades nothing it
// does not have to (pip keeps satisfied requirements) and ends with the versions it found.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venv = join(root, ".bench-venv");
const venvPython = join(venv, "bin", "python");

/** What each reference needs from pip, and the modules that prove it is there. */
const SETS = {
  keras: {
    pip: ["tensorflow-cpu>=2.16", "h5py", "scipy", "pillow"],
    modules: ["keras", "tensorflow", "h5py", "scipy", "PIL"],
  },
  torch: { pip: ["torch>=2.3", "onnx"], modules: ["torch", "onnx"] },
};

const argv = process.argv.slice(2);
const dash = argv.indexOf("--");
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const pipExtra = dash >= 0 ? argv.slice(dash + 1) : [];
const sets = ["keras"];
for (let i = 0; i < own.length; i++) {
  const a = own[i];
  if (a === "--with") {
    const name = own[++i];
    if (!Object.hasOwn(SETS, name))
      fail(`--with takes one of: ${Object.keys(SETS).join(", ")} (got ${name ?? "nothing"})`);
    if (!sets.includes(name)) sets.push(name);
  } else if (a === "-h" || a === "--help") {
    console.log("usage: pnpm bench:setup [--with torch] [-- PIP_ARGS...]");
    process.exit(0);
  } else fail(`unknown argument ${a} (usage: pnpm bench:setup [--with torch] [-- PIP_ARGS...])`);
}

function fail(message) {
  console.error(`bench:setup: ${message}`);
  process.exit(1);
}

/** Runs a command with its output shown; its exit status. */
function run(cmd, args) {
  console.log(`$ ${[cmd, ...args].join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.error) return -1;
  return r.status ?? -1;
}

/** Whether `python` runs and can make a virtual environment (Debian splits venv out). */
const canVenv = (python) =>
  spawnSync(python, ["-c", "import venv, ensurepip"], { stdio: "ignore" }).status === 0;

function basePython() {
  const candidates = [process.env.PYTHON, "python3"].filter(Boolean);
  const found = candidates.find(canVenv);
  if (found) return found;
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (asRoot && existsSync("/usr/bin/apt-get")) {
    console.log(
      "bench:setup: no python3 with venv here; installing Debian's python3 and python3-venv",
    );
    if (
      run("apt-get", ["update"]) !== 0 ||
      run("apt-get", ["install", "-y", "python3", "python3-venv"]) !== 0
    )
      fail("apt-get could not install python3 and python3-venv");
    if (canVenv("python3")) return "python3";
  }
  fail(
    "needs Python 3.9+ with its venv module (on Debian: apt-get install python3 python3-venv; or set PYTHON=/path/to/python3)",
  );
}

if (!existsSync(venvPython)) {
  const python = basePython();
  if (run(python, ["-m", "venv", venv]) !== 0) fail(`${python} -m venv ${venv} failed`);
}
if (spawnSync(venvPython, ["-m", "pip", "--version"], { stdio: "ignore" }).status !== 0)
  fail(`${venv} exists but its pip does not run: delete the folder and run pnpm bench:setup again`);
const wanted = sets.flatMap((s) => SETS[s].pip);
if (run(venvPython, ["-m", "pip", "install", ...wanted, ...pipExtra]) !== 0)
  fail(
    `pip could not install ${wanted.join(" ")} (arguments for pip go after --, e.g. an --index-url)`,
  );

const modules = sets.flatMap((s) => SETS[s].modules);
const report = spawnSync(
  venvPython,
  [
    "-c",
    `import importlib, json, sys\nout = {}\nfor m in sys.argv[1:]:\n    try:\n        out[m] = getattr(importlib.import_module(m), "__version__", "?")\n    except Exception as e:\n        out[m] = None\nprint(json.dumps(out))`,
    ...modules,
  ],
  { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
);
const versions = JSON.parse(report.stdout.trim().split("\n").pop() || "{}");
const missing = modules.filter((m) => !versions[m]);
if (missing.length > 0)
  fail(`installed, but ${missing.join(", ")} will not import in ${venvPython}`);
console.log(
  `bench:setup: ${venv} has ${modules.map((m) => `${m} ${versions[m]}`).join(", ")}; pnpm bench finds it on its own`,
);
