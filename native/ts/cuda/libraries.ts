/**
 * Finds the CUDA libraries graft_cuda.node needs (cuDNN 9, cuBLAS, cuBLASLt: its
 * DT_NEEDED entries beyond the C/C++ runtime) and preloads them, so that the addon
 * itself carries no RUNPATH from the machine that built it.
 *
 * Folders, in order (the first folder holding a library's file wins):
 * 1. GRAFT_CUDA_LIB_PATH (folders separated by ":");
 * 2. LD_LIBRARY_PATH;
 * 3. the NVIDIA pip wheels of `python3` ($PYTHON if set): every
 *    site-packages/nvidia/<name>/lib (cudnn, cublas, cu13, ...);
 * 4. /usr/local/cuda/lib64;
 * a library found nowhere is left to the dynamic loader's own search (ld.so.cache).
 *
 * How: `process.dlopen(file, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE)`. Node then
 * reports "did not self-register" (it is not an addon) and dlcloses it, but
 * RTLD_NODELETE keeps it mapped, so graft_cuda.node's NEEDED entries resolve by
 * SONAME to the copies already loaded. Libraries are loaded dependencies first
 * (cuBLASLt before cuBLAS). Why not an $ORIGIN RUNPATH: the cuDNN and cuBLAS wheels
 * are 1 GB and live where pip put them, never beside the addon.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { constants } from "node:os";
import { delimiter, join } from "node:path";
import { elfNeeded } from "../elf.ts";

/** The variable naming extra folders (":"-separated) searched first for cuDNN and cuBLAS. */
export const CUDA_LIB_PATH_ENV = "GRAFT_CUDA_LIB_PATH";

/** glibc's RTLD_NODELETE (not in os.constants.dlopen). */
const RTLD_NODELETE = 0x1000;
/** The flags every preload uses. */
export const PRELOAD_FLAGS =
  (constants.dlopen?.RTLD_NOW ?? 2) | (constants.dlopen?.RTLD_GLOBAL ?? 0x100) | RTLD_NODELETE;

/** NEEDED entries that come with the C/C++ runtime and are never searched for. */
const SYSTEM_LIBS = /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so/;

/** One folder the search looked in, and why it was on the list. */
export interface SearchedFolder {
  source: "GRAFT_CUDA_LIB_PATH" | "LD_LIBRARY_PATH" | "python3 pip wheels" | "CUDA toolkit";
  dir: string;
}

/** What the library search found for graft_cuda.node. */
export interface CudaLibraries {
  /** The addon's non-system NEEDED entries in preload order, each with the file found (null: not found). */
  libraries: {
    /** The SONAME the addon needs, e.g. libcudnn.so.9. */
    soname: string;
    /** The file found for it; null when no folder had it. */
    path: string | null;
  }[];
  /** Every folder looked in, in order. */
  searched: SearchedFolder[];
  /** Notes on the search itself, e.g. "python3 was not found". */
  notes: string[];
}

/** Where the library search looks; every field has a default, for tests and tools to override. */
export interface CudaLibrarySearch {
  /** Read for GRAFT_CUDA_LIB_PATH, LD_LIBRARY_PATH, PYTHON (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The Python asked for its site-packages; null to skip (default $PYTHON or "python3"). */
  python?: string | null;
  /** The CUDA toolkit's library folder (default /usr/local/cuda/lib64). */
  toolkitDir?: string;
}

const splitPath = (value: string | undefined) =>
  (value ?? "").split(delimiter).filter((d) => d.trim() !== "");

/** site-packages/nvidia/<name>/lib of `python`, or a note saying why there are none. */
export function pipNvidiaFolders(python: string): { dirs: string[]; note: string | null } {
  const r = spawnSync(
    python,
    [
      "-c",
      "import site, sys; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))",
    ],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (r.error || r.status !== 0) {
    return {
      dirs: [],
      note: `${python} could not be asked for its site-packages (${r.error?.message ?? `exit ${r.status}`})`,
    };
  }
  const dirs: string[] = [];
  for (const sitePackages of r.stdout.split("\n").map((l) => l.trim())) {
    const nvidia = join(sitePackages, "nvidia");
    if (!sitePackages || !existsSync(nvidia)) continue;
    for (const name of readdirSync(nvidia).sort()) {
      const lib = join(nvidia, name, "lib");
      if (existsSync(lib)) dirs.push(lib);
    }
  }
  return {
    dirs,
    note:
      dirs.length === 0 ? `${python} has no nvidia-* wheels (site-packages/nvidia/*/lib)` : null,
  };
}

/** The folders to look in, in order (see the module comment). */
export function cudaSearchFolders(search: CudaLibrarySearch = {}): {
  /** The folders, in search order. */
  searched: SearchedFolder[];
  /** Notes on building the list, e.g. that python3 was not found. */
  notes: string[];
} {
  const env = search.env ?? process.env;
  const searched: SearchedFolder[] = [];
  const notes: string[] = [];
  for (const dir of splitPath(env[CUDA_LIB_PATH_ENV]))
    searched.push({ source: "GRAFT_CUDA_LIB_PATH", dir });
  for (const dir of splitPath(env.LD_LIBRARY_PATH))
    searched.push({ source: "LD_LIBRARY_PATH", dir });
  const python = search.python === undefined ? env.PYTHON || "python3" : search.python;
  if (python !== null) {
    const pip = pipNvidiaFolders(python);
    for (const dir of pip.dirs) searched.push({ source: "python3 pip wheels", dir });
    if (pip.note) notes.push(pip.note);
  }
  searched.push({ source: "CUDA toolkit", dir: search.toolkitDir ?? "/usr/local/cuda/lib64" });
  return { searched, notes };
}

// Dependencies first: a library another one in the set NEEDs is loaded before it.
function preloadOrder(found: Map<string, string | null>): string[] {
  const order: string[] = [];
  const visit = (soname: string, stack: Set<string>) => {
    if (order.includes(soname) || stack.has(soname)) return;
    stack.add(soname);
    const path = found.get(soname);
    if (path) {
      let deps: string[] = [];
      try {
        deps = elfNeeded(path);
      } catch {
        // unreadable: load it where it stands
      }
      for (const d of deps) if (found.has(d)) visit(d, stack);
    }
    order.push(soname);
  };
  for (const soname of found.keys()) visit(soname, new Set());
  return order;
}

/** The libraries `addonPath` needs and where each was found; never throws. */
export function findCudaLibraries(
  addonPath: string,
  search: CudaLibrarySearch = {},
): CudaLibraries {
  const { searched, notes } = cudaSearchFolders(search);
  let needed: string[] = [];
  try {
    needed = elfNeeded(addonPath).filter((n) => !SYSTEM_LIBS.test(n));
  } catch (error) {
    notes.push(
      `could not read ${addonPath}'s NEEDED entries: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const found = new Map<string, string | null>();
  for (const soname of needed) {
    const hit = searched.find((f) => existsSync(join(f.dir, soname)));
    found.set(soname, hit ? join(hit.dir, soname) : null);
  }
  const libraries = preloadOrder(found).map((soname) => ({
    soname,
    path: found.get(soname) ?? null,
  }));
  return { libraries, searched, notes };
}

/** "GRAFT_CUDA_LIB_PATH (unset), LD_LIBRARY_PATH: /a, python3 pip wheels: /b, /c, CUDA toolkit: /usr/local/cuda/lib64". */
export function describeSearch(libs: CudaLibraries, env: NodeJS.ProcessEnv = process.env): string {
  const bySource = new Map<string, string[]>();
  for (const s of ["GRAFT_CUDA_LIB_PATH", "LD_LIBRARY_PATH", "python3 pip wheels", "CUDA toolkit"])
    bySource.set(s, []);
  for (const f of libs.searched) bySource.get(f.source)?.push(f.dir);
  const parts = [...bySource].map(([source, dirs]) =>
    dirs.length > 0
      ? `${source}: ${dirs.join(", ")}`
      : `${source} (${source === "python3 pip wheels" ? "none" : env[source] === undefined ? "unset" : "empty"})`,
  );
  parts.push("then the system's default library path");
  return parts.join("; ") + (libs.notes.length > 0 ? ` [${libs.notes.join("; ")}]` : "");
}

/** The found files, in preload order. */
export function preloadPaths(libs: CudaLibraries): string[] {
  return libs.libraries.flatMap((l) => (l.path ? [l.path] : []));
}

/**
 * The JavaScript that preloads `paths` (for the probe's child process, and the same
 * steps as preloadCudaLibraries): a load failure throws with the file's name.
 */
export function preloadSource(paths: string[]): string {
  return (
    `for (const p of ${JSON.stringify(paths)}) { try { process.dlopen({ exports: {} }, p, ${PRELOAD_FLAGS}); } ` +
    `catch (e) { if (!/did not self-register/.test(e.message)) throw e; } }`
  );
}

/** Preloads `paths` in this process (see the module comment); throws on a file that does not load. */
export function preloadCudaLibraries(paths: string[]): void {
  for (const p of paths) {
    try {
      process.dlopen({ exports: {} }, p, PRELOAD_FLAGS);
    } catch (error) {
      if (!/did not self-register/.test(error instanceof Error ? error.message : "")) throw error;
    }
  }
}
