// The one module that loads graft.node. Everything else imports the addon's typed
// interface from here. Importing this module never throws: a missing or broken
// binary shows up in addonStatus() and in the error loadAddon() throws.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** Where `pnpm --filter @graft/native build` puts the addon. */
export const DEFAULT_ADDON_PATH = fileURLToPath(
  new URL("../build/Release/graft.node", import.meta.url),
);

/** The Node-API level graft.node is built for (package.json `binary.napi_versions`). */
export const NAPI_VERSION = 8;

const BUILD_COMMAND = "pnpm --filter @graft/native build";

/** What graft.node was built with and what this machine offers. */
export interface Capabilities {
  /** The addon's version (package.json of @graft/native). */
  version: string;
  /** The Node-API level the addon was compiled for. */
  napiVersion: number;
  /** Whether oneDNN is built in. */
  onednn: boolean;
  /** oneDNN's version as the loaded library reports it, e.g. "2.6.3". */
  onednnVersion: string | null;
  /** The instruction set oneDNN dispatches to on this CPU, e.g. "avx2". */
  onednnIsa: string | null;
  /** Why oneDNN is not built in, and what to do; null when it is. */
  onednnReason: string | null;
  /** CUDA is not implemented yet. */
  cuda: false;
  /** Why CUDA is not available. */
  cudaReason: string;
  /** Hardware threads of this machine. */
  threads: number;
  /** The compiler that built the addon, e.g. "GNU 12.2.0". */
  compiler: string;
  /** CMake build type, e.g. "Release". */
  buildType: string;
}

/** The stable `code` of every error graft.node throws (src/common.h), plus the loader's own. */
export type GraftErrorCode =
  | "ERR_GRAFT_INTERNAL"
  | "ERR_GRAFT_OUT_OF_MEMORY"
  | "ERR_GRAFT_ONEDNN"
  | "ERR_GRAFT_UNAVAILABLE"
  | "ERR_GRAFT_ADDON_NOT_LOADED";

export const SELF_TEST_KINDS = ["ok", "graft", "std", "unknown", "napi", "onednn"] as const;
/** How `_selfTest` fails on purpose; "ok" returns true. */
export type SelfTestKind = (typeof SELF_TEST_KINDS)[number];

/** graft.node's exports, as C++ declares them in src/addon.cc. */
export interface NativeAddon {
  capabilities(): Capabilities;
  /** Throws from C++ on purpose (see src/self_test.cc); for tests only. */
  _selfTest(kind: SelfTestKind): true;
}

export type AddonStatus =
  | { loaded: true; path: string }
  | { loaded: false; path: string; reasons: string[] };

/** Thrown by loadAddon() when graft.node cannot be used; `reasons` says why and what to do. */
export class AddonLoadError extends Error {
  readonly code = "ERR_GRAFT_ADDON_NOT_LOADED";
  constructor(
    readonly path: string,
    readonly reasons: string[],
  ) {
    super(`@graft/native: cannot load graft.node:\n${reasons.map((r) => `  - ${r}`).join("\n")}`);
    this.name = "AddonLoadError";
  }
}

type LoadResult = { ok: true; addon: NativeAddon } | { ok: false; reasons: string[] };
const results = new Map<string, LoadResult>();

const REQUIRED_EXPORTS = ["capabilities", "_selfTest"] as const;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// What to do about an error from require(): one hint per cause we can recognise.
function hintsFor(message: string): string[] {
  const hints: string[] = [];
  const missingLib = /(lib[\w+.-]+\.so[\w.]*): cannot open shared object file/.exec(message);
  if (missingLib?.[1]?.startsWith("libdnnl")) {
    hints.push(
      `oneDNN's library ${missingLib[1]} is not installed: \`apt-get install libdnnl-dev\`, ` +
        `or rebuild without it: \`GRAFT_WITH_ONEDNN=OFF ${BUILD_COMMAND}\``,
    );
  } else if (missingLib) {
    hints.push(
      `${missingLib[1]} is not installed, or graft.node was built on another machine: rebuild with \`${BUILD_COMMAND}\``,
    );
  }
  if (
    /invalid ELF header|wrong ELF class|not a mach-o file|not a valid Win32 application/i.test(
      message,
    )
  ) {
    hints.push(
      `graft.node was built for another platform: rebuild with \`${BUILD_COMMAND} --clean\``,
    );
  }
  if (/undefined symbol|symbol lookup error/.test(message)) {
    hints.push(
      `graft.node does not match this Node.js or its libraries: rebuild with \`${BUILD_COMMAND}\``,
    );
  }
  if (hints.length === 0) hints.push(`rebuild with \`${BUILD_COMMAND}\` and read its output`);
  return hints;
}

function tryLoad(path: string): LoadResult {
  const reasons: string[] = [];
  const runtimeNapi = Number(process.versions.napi ?? 0);
  if (runtimeNapi < NAPI_VERSION) {
    reasons.push(
      `Node.js ${process.version} supports Node-API ${runtimeNapi}, graft.node needs ${NAPI_VERSION}: use Node.js >= 20.19`,
    );
  }
  if (!existsSync(path)) {
    const dir = dirname(path);
    const where = existsSync(dir) ? "" : ` (${dir} does not exist either)`;
    reasons.push(`graft.node not found at ${path}${where}: run \`${BUILD_COMMAND}\``);
    return { ok: false, reasons };
  }
  let loaded: unknown;
  try {
    loaded = require(path);
  } catch (error) {
    const message = errorMessage(error);
    reasons.push(`graft.node at ${path} failed to load: ${message}`, ...hintsFor(message));
    return { ok: false, reasons };
  }
  const exports = loaded as Record<string, unknown> | null;
  const missing = REQUIRED_EXPORTS.filter((name) => typeof exports?.[name] !== "function");
  if (missing.length > 0) {
    reasons.push(
      `${path} loaded but lacks ${missing.join(", ")}(): it is stale or not graft's; rebuild with \`${BUILD_COMMAND}\``,
    );
  }
  if (reasons.length > 0) return { ok: false, reasons };
  return { ok: true, addon: loaded as NativeAddon };
}

function resolve(path: string): LoadResult {
  let result = results.get(path);
  if (result === undefined) {
    result = tryLoad(path);
    results.set(path, result);
  }
  return result;
}

/**
 * Whether graft.node loads, and if not every reason why with what to do.
 * Never throws. `path` is for tests and tools; the default is DEFAULT_ADDON_PATH.
 */
export function addonStatus(path: string = DEFAULT_ADDON_PATH): AddonStatus {
  const result = resolve(path);
  return result.ok ? { loaded: true, path } : { loaded: false, path, reasons: [...result.reasons] };
}

/** Loads graft.node once (per path) and returns it; throws AddonLoadError with every reason. */
export function loadAddon(path: string = DEFAULT_ADDON_PATH): NativeAddon {
  const result = resolve(path);
  if (!result.ok) throw new AddonLoadError(path, result.reasons);
  return result.addon;
}

/** The addon, loaded on first use: `addon.capabilities()`. Throws AddonLoadError then if it cannot load. */
export const addon: NativeAddon = {
  capabilities: () => loadAddon().capabilities(),
  _selfTest: (kind) => {
    if (!(SELF_TEST_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(
        `Expected one of ${SELF_TEST_KINDS.map((k) => `"${k}"`).join(", ")} for kind but received ${JSON.stringify(kind)}`,
      );
    }
    return loadAddon()._selfTest(kind);
  },
};

/** What graft.node was built with; throws AddonLoadError if it cannot load. */
export function capabilities(): Capabilities {
  return addon.capabilities();
}
