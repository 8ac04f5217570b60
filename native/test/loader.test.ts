/**
 * The loader's order (GRAFT_ADDON_PATH, the local build, the platform package) and
 * its messages, on real files: the local build, a junk file, and the platform
 * package packed with npm and unpacked into a temporary node_modules. Machines are
 * injected through findAddon's parameters, never by changing `process`.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addonStatus, DEFAULT_ADDON_PATH, findAddon } from "../ts/index.ts";
import {
  compareVersions,
  type HostPlatform,
  hostPlatform,
  PACKAGE_VERSION,
  platformName,
  prebuiltBlockers,
  readPrebuiltInfo,
  runtimeVersionHint,
} from "../ts/platform.ts";
import { installPlatformPackage, PLATFORM_PACKAGE } from "./prebuilt_helpers.ts";

const scratch = mkdtempSync(join(tmpdir(), "graft-loader-test-"));
const nowhere = join(scratch, "nowhere", "graft.node");
const installed = installPlatformPackage();
if (typeof installed === "string")
  console.warn(`[@graft/native] skipping prebuilt loader tests: ${installed}`);
const pkg = typeof installed === "string" ? null : installed;
const localBuilt = existsSync(DEFAULT_ADDON_PATH);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  if (pkg) rmSync(pkg.root, { recursive: true, force: true });
});

const LINUX: HostPlatform = { platform: "linux", arch: "x64", libc: "glibc", glibcVersion: "2.36" };

describe("the loader's order", () => {
  it.skipIf(!localBuilt || !pkg)(
    "GRAFT_ADDON_PATH wins over the local build and the prebuilt",
    () => {
      const explicit = join(pkg?.packageDir as string, "graft.node");
      const s = findAddon({ env: { GRAFT_ADDON_PATH: explicit }, resolveFrom: pkg?.appDir });
      expect(s).toMatchObject({ loaded: true, path: explicit, source: "GRAFT_ADDON_PATH" });
      expect(s.tried).toHaveLength(1);
    },
  );

  it("a bad GRAFT_ADDON_PATH is reported, and nothing else is tried", () => {
    const junk = join(scratch, "junk.node");
    writeFileSync(junk, "not an ELF file\n");
    const s = findAddon({ env: { GRAFT_ADDON_PATH: junk } });
    expect(s.loaded).toBe(false);
    if (s.loaded) return;
    expect(s.tried).toEqual([
      expect.objectContaining({ source: "GRAFT_ADDON_PATH", path: junk, loaded: false }),
    ]);
    expect(s.reasons[0]).toContain(`graft.node at ${junk} failed to load`);
    expect(s.reasons.join("\n")).toContain("GRAFT_ADDON_PATH names this file");
    const missing = findAddon({ env: { GRAFT_ADDON_PATH: nowhere } });
    expect(missing.loaded ? "" : missing.reasons[0]).toMatch(/^graft\.node not found at /);
  });

  it.skipIf(!localBuilt || !pkg)("the local build comes before the platform package", () => {
    const s = findAddon({ env: {}, resolveFrom: pkg?.appDir });
    expect(s).toMatchObject({ loaded: true, path: DEFAULT_ADDON_PATH, source: "local build" });
    expect(s.tried.map((a) => a.source)).toEqual(["local build"]);
  });

  it.skipIf(!pkg)("without a local build, the platform package is found from node_modules", () => {
    const s = findAddon({ env: {}, localPath: nowhere, resolveFrom: pkg?.appDir });
    const path = join(pkg?.packageDir as string, "graft.node");
    expect(s).toMatchObject({ loaded: true, path, source: "prebuilt" });
    expect(s.tried.map((a) => [a.source, a.loaded])).toEqual([
      ["local build", false],
      ["prebuilt", true],
    ]);
    expect(s.tried[0]?.reasons.join("\n")).toContain(`graft.node not found at ${nowhere}`);
  });

  it("when nothing loads, the message names the platform, every candidate and `npx graft-native build`", () => {
    const s = findAddon({ env: {}, localPath: nowhere, resolveFrom: scratch, host: LINUX });
    expect(s.loaded).toBe(false);
    if (s.loaded) return;
    expect(s.reasons[0]).toBe("no graft.node loads on linux-x64 (glibc 2.36); tried, in order:");
    expect(s.reasons[1]).toContain(`local build (${nowhere}): graft.node not found`);
    expect(s.reasons[2]).toContain(`prebuilt: ${PLATFORM_PACKAGE} is not installed`);
    expect(s.reasons[2]).toContain(`npm i ${PLATFORM_PACKAGE}@${PACKAGE_VERSION}`);
    expect(s.reasons.at(-1)).toContain("`npx graft-native build`");
    expect(s.tried.map((a) => a.source)).toEqual(["local build", "prebuilt"]);
  });

  it("addonStatus() runs the search and lists what it tried", () => {
    const s = addonStatus();
    expect(s.tried.length).toBeGreaterThanOrEqual(1);
    expect(s.tried[0]?.source).toBe(
      process.env.GRAFT_ADDON_PATH ? "GRAFT_ADDON_PATH" : "local build",
    );
    expect(addonStatus(nowhere)).toMatchObject({
      loaded: false,
      path: nowhere,
      tried: [{ source: "path" }],
    });
  });
});

describe("platforms without a prebuilt", () => {
  const cases: [string, HostPlatform, string][] = [
    [
      "macOS arm64",
      { platform: "darwin", arch: "arm64", libc: null, glibcVersion: null },
      "darwin-arm64",
    ],
    [
      "Linux arm64",
      { platform: "linux", arch: "arm64", libc: "glibc", glibcVersion: "2.39" },
      "linux-arm64 (glibc 2.39)",
    ],
    [
      "Alpine (musl)",
      { platform: "linux", arch: "x64", libc: "musl", glibcVersion: null },
      "linux-x64 (musl)",
    ],
    ["Windows", { platform: "win32", arch: "x64", libc: null, glibcVersion: null }, "win32-x64"],
  ];
  it.each(cases)(
    "%s: says no prebuilt exists for it and how to build one",
    (_name, host, shown) => {
      const s = findAddon({ env: {}, localPath: nowhere, host });
      expect(s.loaded).toBe(false);
      if (s.loaded) return;
      expect(platformName(host)).toBe(shown);
      expect(s.reasons[0]).toContain(`no graft.node loads on ${shown}`);
      const prebuilt = s.tried.find((a) => a.source === "prebuilt");
      expect(prebuilt?.path).toBeNull();
      expect(prebuilt?.reasons[0]).toContain(
        `no prebuilt graft.node exists for ${shown} (prebuilts: linux-x64-glibc)`,
      );
      expect(s.reasons.join("\n")).toContain("npx graft-native build");
    },
  );

  it("this machine is described from process.report", () => {
    const h = hostPlatform();
    expect(h.platform).toBe(process.platform);
    expect(h.arch).toBe(process.arch);
    if (process.platform === "linux") expect(h.libc).toMatch(/^(glibc|musl)$/);
    if (h.libc === "glibc") expect(h.glibcVersion).toMatch(/^\d+\.\d+/);
  });
});

describe("a prebuilt that cannot run here is refused before it is loaded", () => {
  it.skipIf(!pkg)(
    "an older glibc than the prebuilt needs: both versions, and the build command",
    () => {
      const info = readPrebuiltInfo(pkg?.packageDir as string);
      if (typeof info === "string") throw new Error(info);
      const old: HostPlatform = { ...LINUX, glibcVersion: "2.17" };
      const s = findAddon({ env: {}, localPath: nowhere, resolveFrom: pkg?.appDir, host: old });
      expect(s.loaded).toBe(false);
      const prebuilt = s.tried.find((a) => a.source === "prebuilt");
      expect(prebuilt?.loaded).toBe(false);
      expect(prebuilt?.reasons[0]).toBe(
        `${PLATFORM_PACKAGE} needs glibc ${info.glibc} or newer and this machine has glibc 2.17`,
      );
      expect(s.loaded ? "" : s.reasons.join("\n")).toContain("npx graft-native build");
    },
  );

  it.skipIf(!pkg)("a CPU without a feature the prebuilt assumes: which one", () => {
    const s = findAddon({
      env: {},
      localPath: nowhere,
      resolveFrom: pkg?.appDir,
      host: LINUX,
      cpuFlags: new Set(["fpu", "mmx"]),
    });
    const prebuilt = s.tried.find((a) => a.source === "prebuilt");
    expect(prebuilt?.loaded).toBe(false);
    expect(prebuilt?.reasons[0]).toBe(
      `${PLATFORM_PACKAGE} needs the CPU feature(s) sse2, which this CPU lacks`,
    );
  });

  it("another version than @graft/native's", () => {
    const info = { version: "9.9.9", glibc: "2.17", glibcxx: null, cpuFlags: [], files: [] };
    expect(prebuiltBlockers("p", info, LINUX, new Set(), "0.1.0")).toEqual([
      "p is version 9.9.9 but @graft/native is 0.1.0: install the same version (`npm i p@0.1.0`)",
    ]);
  });

  it("a dlopen error naming a GLIBC_ or GLIBCXX_ version becomes a sentence", () => {
    const message =
      "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found (required by /x/graft.node)";
    expect(runtimeVersionHint(message, LINUX)).toBe(
      "the binary needs glibc 2.38 or newer and this machine has glibc 2.36",
    );
    expect(runtimeVersionHint("version `GLIBCXX_3.4.32' not found", LINUX)).toContain(
      "GLIBCXX_3.4.32",
    );
    expect(runtimeVersionHint("file too short", LINUX)).toBeNull();
  });

  it("compares versions numerically", () => {
    expect(compareVersions("2.34", "2.36")).toBe(-1);
    expect(compareVersions("2.100", "2.36")).toBe(1);
    expect(compareVersions("3.4", "3.4.0")).toBe(0);
  });
});
