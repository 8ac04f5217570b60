#!/usr/bin/env node
// graft-native: the command-line side of @graft/native (plain Node, nothing runs at install).
//
//   npx graft-native build [--clean] [cmake-js args]   builds graft.node (and graft_cuda.node
//                                                      where nvcc is found) from the sources
//                                                      this package ships, into its build/,
//                                                      where the loader looks before the prebuilt
//   npx graft-native status [--json]                   which graft.node loads (or why none does),
//                                                      every candidate tried, and graft-cuda's probe
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [command, ...rest] = process.argv.slice(2);

const USAGE = `usage: graft-native <command>

  build [--clean] [args]   build graft.node from source into ${join(root, "build", "Release")}
                           (needs CMake, a C++17 compiler and make; installs them and oneDNN
                           with apt-get when run as root; GRAFT_NO_APT=1 prints the commands;
                           GRAFT_WITH_CUDA=OFF skips graft_cuda.node)
  status [--json]          which graft.node loads, every candidate tried, and graft-cuda's probe`;

async function status(asJson) {
  let index;
  let cuda;
  let libraries;
  try {
    index = await import("../dist/index.js");
    cuda = await import("../dist/cuda/addon.js");
    libraries = await import("../dist/cuda/libraries.js");
  } catch (error) {
    console.error(
      `graft-native: cannot read @graft/native's dist/ (${error.message}): build the package first`,
    );
    return 1;
  }
  const s = index.addonStatus();
  const probe = cuda.probeCudaAddon();
  const caps = s.loaded ? index.capabilities() : null;
  if (asJson) {
    console.log(JSON.stringify({ cpu: { ...s, capabilities: caps }, cuda: probe }, null, 2));
    return s.loaded ? 0 : 1;
  }
  console.log(`graft-cpu (graft.node):`);
  for (const a of s.tried) {
    const where = a.path ?? "-";
    console.log(`  ${a.loaded ? "✓" : "✗"} ${a.source}: ${where}`);
    for (const r of a.reasons) console.log(`      ${r}`);
  }
  if (caps) {
    const onednn = caps.onednn
      ? `oneDNN ${caps.onednnVersion} (${caps.onednnIsa})`
      : `no oneDNN: ${caps.onednnReason}`;
    console.log(
      `  loaded ${s.path} (${s.source}): ${caps.version}, Node-API ${caps.napiVersion}, ${caps.compiler}, ${onednn}, ${caps.threads} threads`,
    );
  } else {
    console.log(`  none loads:`);
    for (const r of s.reasons) console.log(`    ${r}`);
  }
  console.log(`graft-cuda (graft_cuda.node): ${probe.path}`);
  if (probe.libraries) {
    for (const l of probe.libraries.libraries) {
      console.log(
        `  ${l.path ? "✓" : "✗"} ${l.soname}: ${l.path ?? "not found in the folders below (left to the system's loader)"}`,
      );
    }
    console.log(`  looked in: ${libraries.describeSearch(probe.libraries)}`);
  }
  if (probe.ok) {
    const p = probe.probe;
    console.log(
      `  ✓ ${p.device} (sm ${p.computeCapability}, driver ${p.driverVersion}), cuDNN ${p.cudnnVersion}, cuBLAS ${p.cublasVersion}`,
    );
  } else {
    console.log(`  ✗ ${probe.reason}`);
  }
  return s.loaded ? 0 : 1;
}

function build(args) {
  const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), ...args], {
    stdio: "inherit",
  });
  return r.status ?? 1;
}

let code;
if (command === "build") code = build(rest);
else if (command === "status") code = await status(rest.includes("--json"));
else if (command === undefined || command === "help" || command === "--help" || command === "-h") {
  console.log(USAGE);
  code = command === undefined ? 1 : 0;
} else {
  console.error(`graft-native: unknown command "${command}"\n${USAGE}`);
  code = 1;
}
process.exitCode = code;
