/**
 * @graft/native as npm gets it: the tarballs scripts/prepare-publish.mjs packs (what
 * they hold, the publish manifest), and the graft-native bin over dist/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nativeDir, platformFolder } from "./prebuilt_helpers.ts";

const dest = mkdtempSync(join(tmpdir(), "graft-publish-test-"));
afterAll(() => rmSync(dest, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(nativeDir, "package.json"), "utf8"));
const built = existsSync(join(nativeDir, "dist", "index.js"));
const filled = existsSync(join(platformFolder, "graft.node"));

describe("package.json", () => {
  it("runs nothing at install and exports dist/ with the @graft/source condition first", () => {
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) {
      expect(pkg.scripts?.[hook], hook).toBeUndefined();
    }
    for (const [entry, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      if (entry === "./package.json") continue;
      expect(Object.keys(target as object), entry).toEqual(["@graft/source", "types", "default"]);
    }
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin["graft-native"]).toBe("./scripts/graft-native.mjs");
  });
});

describe.skipIf(!built || !filled)("the tarballs prepare-publish.mjs packs", () => {
  const r =
    built && filled
      ? spawnSync(process.execPath, ["scripts/prepare-publish.mjs", dest, "--json"], {
          cwd: nativeDir,
          encoding: "utf8",
        })
      : null;
  const packed = r?.status === 0 ? (JSON.parse(r.stdout) as { name: string; file: string }[]) : [];
  const list = (file: string) =>
    spawnSync("tar", ["-tzf", file], { encoding: "utf8" }).stdout.trim().split("\n");
  const manifest = (file: string) =>
    JSON.parse(
      spawnSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" }).stdout,
    );

  it("packs @graft/native and its platform package", () => {
    expect(r?.status, r?.stderr).toBe(0);
    expect(packed.map((p) => p.name)).toEqual(
      expect.arrayContaining(["@graft/native", "@graft/native-linux-x64-gnu"]),
    );
  });

  it("@graft/native: dist, the sources to build from and the bin; no build/, test/ or bench/", () => {
    const file = packed.find((p) => p.name === "@graft/native")?.file as string;
    const files = list(file);
    for (const f of [
      "dist/index.js",
      "dist/index.d.ts",
      "CMakeLists.txt",
      "cmake/cuda.cmake",
      "src/addon.cc",
      "scripts/build.mjs",
      "scripts/graft-native.mjs",
    ]) {
      expect(files, f).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(build|test|bench|npm)\//.test(f))).toEqual([]);
    const m = manifest(file);
    expect(m.optionalDependencies).toEqual({ "@graft/native-linux-x64-gnu": pkg.version });
    expect(m.devDependencies).toBeUndefined();
    expect(m.scripts).toBeUndefined();
    expect(m.dependencies).toEqual(pkg.dependencies);
    expect(Object.values(m.peerDependencies)).toEqual(["^4.22.0", "^4.22.0"]);
  });

  it("@graft/native-linux-x64-gnu: graft.node, the bundled libraries, their licenses; os/cpu/libc set", () => {
    const file = packed.find((p) => p.name === "@graft/native-linux-x64-gnu")?.file as string;
    const files = list(file);
    for (const f of [
      "graft.node",
      "libdnnl.so.2",
      "libgomp.so.1",
      "libOpenCL.so.1",
      "graft-prebuilt.json",
      "README.md",
    ]) {
      expect(files, f).toContain(`package/${f}`);
    }
    const m = manifest(file);
    expect(m).toMatchObject({ version: pkg.version, os: ["linux"], cpu: ["x64"], libc: ["glibc"] });
  });
});

describe.skipIf(!built)("the graft-native bin", () => {
  const bin = join(nativeDir, "scripts", "graft-native.mjs");
  it("status --json reports what the loader tried", () => {
    const r = spawnSync(process.execPath, [bin, "status", "--json"], {
      encoding: "utf8",
      timeout: 90_000,
    });
    const out = JSON.parse(r.stdout);
    expect(out.cpu.tried.length).toBeGreaterThanOrEqual(1);
    expect(r.status).toBe(out.cpu.loaded ? 0 : 1);
    expect(typeof out.cuda.ok).toBe("boolean");
  });

  it("status names a bad GRAFT_ADDON_PATH; an unknown command prints the usage", () => {
    const r = spawnSync(process.execPath, [bin, "status"], {
      encoding: "utf8",
      env: { ...process.env, GRAFT_ADDON_PATH: "/nonexistent/graft.node" },
      timeout: 90_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("✗ GRAFT_ADDON_PATH: /nonexistent/graft.node");
    const u = spawnSync(process.execPath, [bin, "frobnicate"], { encoding: "utf8" });
    expect(u.status).toBe(1);
    expect(u.stderr).toContain("usage: graft-native <command>");
  });
});
