// Tests that need the built addon (tier 2). Without build/Release/graft.node they
// are skipped with the reasons printed, unless CI is set: then they fail.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  AddonLoadError,
  addon,
  addonStatus,
  type Capabilities,
  capabilities,
  DEFAULT_ADDON_PATH,
  loadAddon,
  type SelfTestKind,
} from "../ts/index.ts";
import { inCI } from "./helpers.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const buildInfoPath = join(packageDir, "build", "graft-build.json");

// CI=true, CI=1, CI=anything: a CI run. Unset, empty, "0" or "false": a developer's run.
const status = addonStatus();
if (!status.loaded && !inCI) {
  console.warn(
    `[@graft/native] skipping the tests that need graft.node (set CI=1 to make them fail instead):\n` +
      status.reasons.map((r) => `  - ${r}`).join("\n"),
  );
}
const describeWithAddon = status.loaded || inCI ? describe : describe.skip;

interface BuildInfo {
  version: string;
  napiVersion: number;
  buildType: string;
  compiler: string;
  onednn: {
    requested: boolean;
    found: boolean;
    version: string | null;
    includeDir: string | null;
    library: string | null;
    reason: string | null;
  };
  cuda: { requested: boolean; found: boolean; reason: string };
}

const scratch = mkdtempSync(join(tmpdir(), "graft-native-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the loader (no addon needed)", () => {
  it("reports a missing graft.node with the path and the command to run", () => {
    const missing = join(scratch, "nowhere", "graft.node");
    const result = addonStatus(missing);
    expect(result.loaded).toBe(false);
    if (result.loaded) return;
    expect(result.path).toBe(missing);
    expect(result.reasons).toContainEqual(
      expect.stringContaining(`graft.node not found at ${missing}`),
    );
    expect(result.reasons.join("\n")).toContain("pnpm --filter @graft/native build");
  });

  it("throws AddonLoadError with every reason from loadAddon()", () => {
    const missing = join(scratch, "nowhere", "graft.node");
    let thrown: unknown;
    try {
      loadAddon(missing);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AddonLoadError);
    const error = thrown as AddonLoadError;
    expect(error.code).toBe("ERR_GRAFT_ADDON_NOT_LOADED");
    expect(error.reasons).toEqual((addonStatus(missing) as { reasons: string[] }).reasons);
    expect(error.message).toContain(missing);
  });

  it("reports a file that is not a loadable addon, with a hint", () => {
    const junk = join(scratch, "junk", "graft.node");
    mkdirSync(join(scratch, "junk"), { recursive: true });
    writeFileSync(junk, "this is not a shared library\n");
    const result = addonStatus(junk);
    expect(result.loaded).toBe(false);
    if (result.loaded) return;
    expect(result.reasons[0]).toContain(`graft.node at ${junk} failed to load`);
    expect(result.reasons.length).toBeGreaterThanOrEqual(2);
    expect(result.reasons.slice(1).join("\n")).toContain("rebuild");
  });

  it("checks _selfTest's kind in TypeScript, before any native call", () => {
    expect(() => addon._selfTest("nope" as SelfTestKind)).toThrow(
      /^Expected one of "ok", .* for kind but received "nope"$/,
    );
  });
});

describeWithAddon("graft.node", () => {
  it("is built and loads", () => {
    // On failure this prints every reason addonStatus() found.
    expect(addonStatus()).toMatchObject({
      loaded: true,
      path: DEFAULT_ADDON_PATH,
      source: "local build",
    });
  });

  it("capabilities() returns every field with the right type", () => {
    const caps: Capabilities = capabilities();
    const pkg = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
    expect(Object.keys(caps).sort()).toEqual(
      [
        "buildType",
        "compiler",
        "cuda",
        "cudaReason",
        "napiVersion",
        "onednn",
        "onednnIsa",
        "onednnReason",
        "onednnVersion",
        "threads",
        "version",
      ].sort(),
    );
    expect(caps.version).toBe(pkg.version);
    expect(caps.napiVersion).toBe(pkg.binary.napi_versions[0]);
    expect(typeof caps.onednn).toBe("boolean");
    expect(caps.cuda).toBe(false);
    expect(caps.cudaReason).toMatch(/\S/);
    expect(Number.isInteger(caps.threads)).toBe(true);
    expect(caps.threads).toBeGreaterThanOrEqual(1);
    expect(caps.compiler).toMatch(/\S+ \d+\.\d+/);
    expect(caps.buildType).toBe("Release");
    if (caps.onednn) {
      expect(caps.onednnVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(caps.onednnIsa).toMatch(/\S/);
      expect(caps.onednnReason).toBeNull();
    } else {
      expect(caps.onednnVersion).toBeNull();
      expect(caps.onednnIsa).toBeNull();
      expect(caps.onednnReason).toMatch(/\S/);
    }
  });

  it("agrees with what CMake detected (build/graft-build.json)", () => {
    expect(existsSync(buildInfoPath), `${buildInfoPath} is written by CMake`).toBe(true);
    const build = JSON.parse(readFileSync(buildInfoPath, "utf8")) as BuildInfo;
    const caps = capabilities();
    expect(caps.version).toBe(build.version);
    expect(caps.napiVersion).toBe(build.napiVersion);
    expect(caps.compiler).toBe(build.compiler);
    expect(caps.buildType).toBe(build.buildType);
    expect(caps.onednn).toBe(build.onednn.found);
    if (build.onednn.found) {
      // Headers at build time and the library loaded now: same major.minor.
      const majorMinor = (v: string | null) => v?.split(".").slice(0, 2).join(".");
      expect(majorMinor(caps.onednnVersion)).toBe(majorMinor(build.onednn.version));
      expect(build.onednn.library && existsSync(build.onednn.library)).toBe(true);
    } else {
      expect(caps.onednnReason).toBe(build.onednn.reason);
    }
    expect(caps.cuda).toBe(build.cuda.found);
    expect(caps.cudaReason).toBe(build.cuda.reason);
  });

  it("returns normally from a native call that does not fail", () => {
    expect(addon._selfTest("ok")).toBe(true);
  });

  // Every way C++ can fail must reach JS as an Error with a stable code and the JS stack.
  const failures: [SelfTestKind, string, RegExp][] = [
    ["graft", "ERR_GRAFT_INTERNAL", /graft::Error thrown on purpose/],
    ["std", "ERR_GRAFT_INTERNAL", /std::runtime_error thrown on purpose/],
    ["unknown", "ERR_GRAFT_INTERNAL", /non-standard C\+\+ exception/],
    ["napi", "ERR_GRAFT_INTERNAL", /undefined/],
  ];
  it.each(failures)("a C++ failure of kind %s carries code %s", (kind, code, message) => {
    let thrown: unknown;
    try {
      addon._selfTest(kind);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as Error & { code?: unknown };
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    // Made while the JS caller was on the stack: the stack shows this test file.
    expect(error.stack).toContain(basename(fileURLToPath(import.meta.url)));
  });

  it("a failed oneDNN call carries ERR_GRAFT_ONEDNN, or ERR_GRAFT_UNAVAILABLE without oneDNN", () => {
    const expected = capabilities().onednn ? "ERR_GRAFT_ONEDNN" : "ERR_GRAFT_UNAVAILABLE";
    expect(() => addon._selfTest("onednn")).toThrow(expect.objectContaining({ code: expected }));
  });
});
