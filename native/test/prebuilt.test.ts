/**
 * The platform package @graft/native-linux-x64-gnu as npm packs it: the ELF facts
 * that make it load anywhere (RUNPATH `$ORIGIN`, nothing needed beyond the C/C++
 * runtime and the files beside it, no path from the build machine), the glibc it
 * needs, and a real load with this machine's oneDNN, OpenMP and OpenCL hidden
 * (a private mount namespace, root only).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareVersions, hostPlatform, type PrebuiltInfo } from "../ts/platform.ts";
import { installPlatformPackage, nativeDir } from "./prebuilt_helpers.ts";

const installed = installPlatformPackage();
if (typeof installed === "string")
  console.warn(`[@graft/native] skipping prebuilt tests: ${installed}`);
const pkg = typeof installed === "string" ? null : installed;
afterAll(() => {
  if (pkg) rmSync(pkg.root, { recursive: true, force: true });
});

const tool = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const haveBinutils = tool("readelf") && tool("objdump");

// The C and C++ runtime of every glibc Linux: the only libraries the prebuilt may need from the system.
const SYSTEM =
  /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.so\.\d+$|^ld-linux-x86-64\.so\.2$/;

const readelf = (file: string) =>
  spawnSync("readelf", ["-d", "-W", file], { encoding: "utf8" }).stdout;

describe.skipIf(!pkg || !haveBinutils)("the packed platform package's ELF files", () => {
  const dir = pkg?.packageDir as string;
  const elfFiles = pkg
    ? readdirSync(dir).filter((f) => f.endsWith(".node") || /\.so\.\d+$/.test(f))
    : [];
  const info = pkg
    ? (JSON.parse(readFileSync(join(dir, "graft-prebuilt.json"), "utf8")) as PrebuiltInfo)
    : null;

  it("holds graft.node and the libraries graft-prebuilt.json lists", () => {
    expect(elfFiles.sort()).toEqual([...(info?.files ?? [])].sort());
    expect(elfFiles).toEqual(
      expect.arrayContaining(["graft.node", "libdnnl.so.2", "libgomp.so.1", "libOpenCL.so.1"]),
    );
  });

  it("each has RUNPATH exactly $ORIGIN, no RPATH, and needs only the C/C++ runtime and the files beside it", () => {
    for (const f of elfFiles) {
      const dyn = readelf(join(dir, f));
      const runpaths = [...dyn.matchAll(/\(RUNPATH\)\s+Library runpath: \[([^\]]*)\]/g)].map(
        (m) => m[1],
      );
      expect(runpaths, f).toEqual(["$ORIGIN"]);
      expect(dyn, f).not.toContain("(RPATH)");
      const needed = [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map(
        (m) => m[1] as string,
      );
      const foreign = needed.filter((n) => !SYSTEM.test(n) && !elfFiles.includes(n));
      expect(foreign, `${f} needs ${needed.join(", ")}`).toEqual([]);
      // Nothing absolute from the build machine in the dynamic section.
      expect(dyn, f).not.toMatch(/\[\/[^\]]*\]/);
    }
  });

  it("needs the glibc graft-prebuilt.json states (the highest GLIBC_ symbol version), no newer than this machine's", () => {
    let highest = "0";
    for (const f of elfFiles) {
      const out = spawnSync("objdump", ["-T", join(dir, f)], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
      }).stdout;
      for (const m of out.matchAll(/\bGLIBC_(\d+(?:\.\d+)+)\b/g)) {
        if (compareVersions(m[1] as string, highest) > 0) highest = m[1] as string;
      }
    }
    expect(info?.glibc).toBe(highest);
    const here = hostPlatform().glibcVersion;
    if (here) expect(compareVersions(here, highest)).toBeGreaterThanOrEqual(0);
  });
});

// The real files behind this machine's oneDNN, OpenMP and OpenCL, to hide under /dev/null.
const SYSTEM_LIB_DIR = "/usr/lib/x86_64-linux-gnu";
const hidden = ["libdnnl.so.2", "libgomp.so.1", "libOpenCL.so.1"].flatMap((l) => {
  try {
    return [realpathSync(join(SYSTEM_LIB_DIR, l))];
  } catch {
    return [];
  }
});
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const canHide = isRoot && tool("unshare") && spawnSync("unshare", ["--mount", "true"]).status === 0;
const whyNot = !pkg
  ? "no packed platform package"
  : !isRoot
    ? "not root (hiding the system's libraries needs a private mount namespace)"
    : !canHide
      ? "`unshare --mount` is not available or not permitted here"
      : null;
if (whyNot)
  console.warn(`[@graft/native] skipping the load with system libraries hidden: ${whyNot}`);

// Runs `js` (an ES module, through the loader in ts/) with the system's copies hidden.
function runHidden(js: string, env: Record<string, string>) {
  const mounts = hidden.map((f) => `mount --bind /dev/null '${f}'`).join(" && ");
  const exports = Object.entries(env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(" ");
  const node = `${exports} '${process.execPath}' --import tsx --input-type=module -e "$GRAFT_JS"`;
  return spawnSync("unshare", ["--mount", "sh", "-c", `${mounts ? `${mounts} && ` : ""}${node}`], {
    cwd: nativeDir,
    encoding: "utf8",
    env: { ...process.env, GRAFT_JS: js },
    timeout: 60_000,
  });
}

describe.skipIf(whyNot !== null)(
  "the packed prebuilt with the system's oneDNN, OpenMP and OpenCL hidden",
  () => {
    it("the system's copies really are hidden (the local build no longer loads there)", () => {
      const r = runHidden(
        `import { addonStatus } from "./ts/index.ts"; console.log(JSON.stringify(addonStatus(process.env.LOCAL)));`,
        { LOCAL: join(nativeDir, "build", "Release", "graft.node") },
      );
      const status = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
      expect(status.loaded, r.stderr).toBe(false);
      expect(status.reasons.join("\n")).toMatch(/libdnnl\.so\.2|file too short/);
    });

    it("loads through GRAFT_ADDON_PATH from its own folder and runs capabilities() and a conv2d", () => {
      const path = join(pkg?.packageDir as string, "graft.node");
      const js = `
      import { readFileSync } from "node:fs";
      import { loadAddon, addonStatus } from "./ts/index.ts";
      const a = loadAddon();
      const caps = a.capabilities();
      // 1x3x3x1 ones with a 3x3x1x1 filter of ones, 'valid': one output, 9.
      const y = new Float32Array(1);
      a.cpu.conv2d(new Float32Array(9).fill(1), new Float32Array(9).fill(1), null, y,
        Int32Array.from([1,3,3,1, 3,3,1, 1,1, 1,1, 1,1, 0,0,0,0]), 0, 0);
      const maps = readFileSync("/proc/self/maps", "utf8").split("\\n")
        .filter((l) => /lib(dnnl|gomp|OpenCL)/.test(l)).map((l) => l.split(/\\s+/).pop());
      console.log(JSON.stringify({ status: addonStatus(), caps, y: y[0], maps: [...new Set(maps)] }));`;
      const r = runHidden(js, { GRAFT_ADDON_PATH: path });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
      expect(out.status).toMatchObject({ loaded: true, path, source: "GRAFT_ADDON_PATH" });
      expect(out.caps.onednn).toBe(true);
      expect(out.caps.onednnVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(out.y).toBe(9);
      // Every oneDNN/OpenMP/OpenCL mapping is the package's own copy.
      expect(out.maps.length).toBeGreaterThanOrEqual(2);
      for (const m of out.maps) expect(m.startsWith(pkg?.packageDir as string), m).toBe(true);
    });
  },
);
