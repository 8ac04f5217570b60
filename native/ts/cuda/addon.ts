/**
 * The one module that loads graft_cuda.node, and its TypeScript interface.
 *
 * graft_cuda.node links cuDNN 9 and cuBLAS as hard dependencies, and cuDNN 9 aborts
 * the whole process when its sub-libraries are missing, so it is never loaded
 * blind: `probeCudaAddon()` first requires it in a child process and calls its
 * `probe()`; only a probe that says `cuda: true` lets `loadCudaAddon()` require it
 * here. Importing this module never throws and starts nothing.
 *
 * Which file: GRAFT_CUDA_ADDON_PATH, else the local build, else the opt-in platform
 * package @graft/native-cuda-linux-x64-gnu. The addon has no RUNPATH: cuDNN and
 * cuBLAS are found and preloaded by ./libraries.ts, in the child and here alike.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { POOL_KINDS } from "../common/boundary.ts";
import { boundaryMismatch } from "../common/boundary_check.ts";
import {
  buildCommand,
  CUDA_PREBUILT_PACKAGES,
  cpuFlags,
  findPackageDir,
  hostPlatform,
  platformKey,
  prebuiltBlockers,
  readPrebuiltInfo,
  runtimeVersionHint,
} from "../platform.ts";
import {
  type CudaLibraries,
  type CudaLibrarySearch,
  describeSearch,
  findCudaLibraries,
  preloadCudaLibraries,
  preloadPaths,
  preloadSource,
} from "./libraries.ts";

const require = createRequire(import.meta.url);

/** Where `pnpm --filter @graft/native build` (or `graft-native build`) puts graft_cuda.node (when nvcc, cuDNN and cuBLAS are found). */
export const DEFAULT_CUDA_ADDON_PATH = fileURLToPath(
  new URL("../../build/Release/graft_cuda.node", import.meta.url),
);
const BUILD_INFO_PATH = fileURLToPath(new URL("../../build/graft-build.json", import.meta.url));

/**
 * The graft_cuda.node the probe and loader use: GRAFT_CUDA_ADDON_PATH, else the local
 * build where it exists, else the installed CUDA platform package, else the local
 * build's path (which then reports how to get one). `resolveFrom` is the folder the
 * platform package is resolved from (default: @graft/native's own); `localPath` stands
 * in for the local build (tests use a path that does not exist).
 */
export function cudaAddonPath(
  env: NodeJS.ProcessEnv = process.env,
  resolveFrom?: string,
  localPath: string = DEFAULT_CUDA_ADDON_PATH,
): string {
  if (env.GRAFT_CUDA_ADDON_PATH) return env.GRAFT_CUDA_ADDON_PATH;
  if (existsSync(localPath)) return localPath;
  const name = CUDA_PREBUILT_PACKAGES[platformKey(hostPlatform())];
  const dir = name ? findPackageDir(name, resolveFrom) : null;
  if (dir && existsSync(join(dir, "graft_cuda.node"))) return join(dir, "graft_cuda.node");
  return localPath;
}

/** The CUDA platform package's name when `dir` is one (its package.json says so), else null. */
function cudaPackageName(dir: string): string | null {
  try {
    const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name?: unknown;
    };
    return typeof name === "string" && Object.values(CUDA_PREBUILT_PACKAGES).includes(name)
      ? name
      : null;
  } catch {
    return null;
  }
}

/**
 * Why a graft_cuda.node from a platform package (a folder with graft-prebuilt.json,
 * or a CUDA platform package's package.json) must not be loaded here: another version
 * than @graft/native's, a newer glibc than this machine's, a CPU feature it lacks, no
 * readable graft-prebuilt.json. [] for a local build or a usable prebuilt.
 */
function cudaPrebuiltBlockers(path: string): string[] {
  const dir = dirname(path);
  const packageName = cudaPackageName(dir);
  if (!packageName && !existsSync(join(dir, "graft-prebuilt.json"))) return [];
  const info = readPrebuiltInfo(dir);
  if (typeof info === "string") return [info];
  const name =
    info.name ??
    packageName ??
    CUDA_PREBUILT_PACKAGES[platformKey(hostPlatform())] ??
    "the CUDA prebuilt";
  return prebuiltBlockers(name, info, hostPlatform(), cpuFlags());
}

/** What `probe()` reports: whether graft-cuda can run here, and on what. */
export interface CudaProbe {
  /** True when a GPU, its driver, our kernels, cuDNN and cuBLASLt all work. */
  cuda: boolean;
  /** Why not, with what to do; null when cuda is true. */
  reason: string | null;
  /** e.g. "NVIDIA H100 80GB HBM3"; null without a device. */
  device: string | null;
  /** e.g. "9.0". */
  computeCapability: string | null;
  /** Device memory in bytes. */
  memory: {
    /** The device's memory, in bytes. */
    total: number;
    /** Free at the time of the probe, in bytes. */
    free: number;
  } | null;
  /** Streaming multiprocessors; null without a device. */
  multiprocessors: number | null;
  /** The addon's version (package.json). */
  version: string;
  /** The CUDA architectures compiled in, e.g. "90". */
  archs: string;
  /** CUDA runtime (linked statically) and driver versions, e.g. "13.0"; driver null without one. */
  runtimeVersion: string;
  /** The driver's CUDA version; null without a driver. */
  driverVersion: string | null;
  /** The loaded cuDNN and cuBLAS, e.g. "9.24.0", "13.1.1". */
  cudnnVersion: string;
  /** The loaded cuBLAS's version. */
  cublasVersion: string;
}

/** Device memory and transfers as graft_cuda.node counts them (`cudaStats()`). */
export interface CudaNativeStats {
  /** Host-to-device copies (`upload`) and device-to-host copies (`readSync`, `read`). */
  uploads: number;
  /** Device-to-host copies. */
  downloads: number;
  /** Of those, the ones `read` made without blocking. */
  asyncDownloads: number;
  /** Bytes copied to the device. */
  bytesUp: number;
  /** Bytes copied back to the host. */
  bytesDown: number;
  /** Live device tensors and their bytes; the peak since the addon loaded. */
  tensors: number;
  /** Bytes of the live device tensors. */
  bytes: number;
  /** The most those ever reached. */
  peakBytes: number;
  /** Device tensors created since the addon loaded. */
  allocations: number;
  /** The stream-ordered pool: held from the driver, and handed out (tensors + workspaces). */
  poolReservedBytes: number;
  /** Of the pool's bytes, those handed out now. */
  poolUsedBytes: number;
  /**
   * Whether float32 convolutions and matmuls use TF32 tensor cores (GRAFT_CUDA_TF32, default on).
   */
  tf32: boolean;
  /**
   * Whether convolution algorithms are measured rather than chosen by heuristics
   * (GRAFT_CUDNN_BENCHMARK).
   */
  benchmark: boolean;
  /** Cached cuDNN convolution algorithms and cuBLASLt matmul algorithms, per shape. */
  plans: {
    /** Convolution plans cached. */
    conv: number;
    /** Convolution calls that found their plan cached. */
    convHits: number;
    /** Convolution calls that had to choose one. */
    convMisses: number;
    /** Matmul plans cached. */
    matmul: number;
    /** Matmul calls that found their plan cached. */
    matmulHits: number;
    /** Matmul calls that had to choose one. */
    matmulMisses: number;
  };
  /** Filters kept in cuDNN's KRSC layout per filter tensor (GRAFT_CUDA_FILTER_CACHE). */
  filterCache: {
    /** Filters kept. */
    entries: number;
    /** Their device bytes. */
    bytes: number;
    /** Calls that found their filter transposed already. */
    hits: number;
    /** Calls that transposed it. */
    misses: number;
  };
  /** Whether that filter cache is on (GRAFT_CUDA_FILTER_CACHE, default on). */
  filterCacheOn: boolean;
  /**
   * Whether the fused convolution's output is zeroed first (GRAFT_CUDA_FUSED_ZERO, default off).
   */
  fusedZero: boolean;
  /**
   * Whether uploads go through reused page-locked buffers (GRAFT_CUDA_PINNED_UPLOAD, default on).
   */
  pinnedUpload: boolean;
}

/** What graft_cuda.node recorded since the last call (profile mode): see CudaNative.profileRecords. */
export interface CudaProfileRecords {
  /** [direction (CUDA_TRANSFERS), bytes, ms the JS thread was held] per transfer. */
  transfers: Float64Array;
  /** Launches per kernel name (device kernels and cuDNN/cuBLAS calls). */
  launches: Record<string, number>;
}

/**
 * The codes and parameter blocks of these kernels (pool kinds, dtypes, unary/binary/reduce
 * ops, activations, the Int32Array layouts) are src/boundary.h's, as ts/common/boundary.ts.
 */
export type PoolKind = (typeof POOL_KINDS)[keyof typeof POOL_KINDS];

/**
 * graft_cuda.node's kernels. Every tensor is an integer id the backend chose; each
 * kernel allocates its output under the id given (from the stream-ordered pool) and
 * queues its work on the one stream: calls return before the GPU has run them. C++
 * trusts shapes and dtypes (TypeScript checks them in ts/cuda/kernels/*.ts); a failing
 * library call throws ERR_GRAFT_CUDNN / ERR_GRAFT_CUBLAS / ERR_GRAFT_CUDA naming the
 * op, the shapes and the library's own status.
 */
export interface CudaKernels {
  /** y = act(conv2d(x, w) + bias), NHWC, HWIO filter; p: CONV_PARAMS; act: ACTIVATIONS; bias -1 for none. */
  conv2d(
    x: number,
    w: number,
    bias: number,
    y: number,
    p: Int32Array,
    act: number,
    alpha: number,
  ): void;
  conv2dBackpropInput(dy: number, w: number, dx: number, p: Int32Array): void;
  conv2dBackpropFilter(x: number, dy: number, dw: number, p: Int32Array): void;
  /** kind: POOL_KINDS; p: POOL_PARAMS (symmetric pads only). */
  pool2d(x: number, y: number, p: Int32Array, kind: PoolKind): void;
  /** y is -1 for average pooling. */
  pool2dGrad(dy: number, x: number, y: number, dx: number, p: Int32Array, kind: PoolKind): void;
  /** Softmax (or log-softmax) over the last axis of x viewed as [rows, cols]. */
  softmax(x: number, y: number, rows: number, cols: number, log: boolean): void;
  /** p: MATMUL_PARAMS; act: ACTIVATIONS; bias -1 for none. */
  matmul(
    a: number,
    b: number,
    bias: number,
    y: number,
    p: Int32Array,
    act: number,
    alpha: number,
  ): void;
  unary(op: number, x: number, y: number, n: number, alpha: number, beta: number): void;
  /** op: CUDA_BINARY_OPS; p: CUDA_BINARY_BLOCK then CUDA_BINARY_ARRAYS (strides 0 where broadcast). */
  binary(op: number, dtype: number, a: number, b: number, y: number, p: Int32Array): void;
  cast(x: number, from: number, y: number, to: number, n: number): void;
  select(cond: number, a: number, b: number, y: number, dtype: number, n: number): void;
  fill(y: number, dtype: number, n: number, value: number): void;
  /** p: CUDA_STRIDED_BLOCK then CUDA_STRIDED_ARRAYS: Slice, Transpose. */
  stridedCopy(x: number, y: number, dtype: number, p: Int32Array): void;
  reduce(
    op: number,
    dtype: number,
    x: number,
    y: number,
    outer: number,
    r: number,
    inner: number,
  ): void;
  argReduce(
    max: boolean,
    dtype: number,
    x: number,
    y: number,
    outer: number,
    r: number,
    inner: number,
  ): void;
  gather(
    x: number,
    indices: number,
    y: number,
    dtype: number,
    outer: number,
    axis: number,
    nIdx: number,
    inner: number,
  ): void;
  oneHot(
    indices: number,
    y: number,
    dtype: number,
    n: number,
    depth: number,
    on: number,
    off: number,
  ): void;
  /** SGD momentum's step (graft-cpu's momentumUpdate); m and c are one-element tensors. */
  momentumUpdate(
    value: number,
    accumulation: number,
    gradient: number,
    m: number,
    c: number,
    newValue: number,
    newAccumulation: number,
    n: number,
    nesterov: boolean,
  ): void;
}

/** graft_cuda.node's exports (src/cuda/addon.cc). */
export interface CudaNative {
  /** What the device and libraries are; a failure shows as `cuda: false` with its `reason`. */
  probe(): CudaProbe;
  /** src/boundary.h's tables and constants, as this binary was built with them. */
  boundary: unknown;
  /** A new device tensor `id` holding a copy of `values` (the array may be reused at once). */
  upload(id: number, values: ArrayBufferView): void;
  /** An uninitialised device tensor. */
  alloc(id: number, bytes: number): void;
  /** Frees `id` after the kernels queued before; false when there was none. */
  free(id: number): boolean;
  /** Copies `id` into `out` (its exact byte length), waiting for the kernels queued before. */
  readSync(id: number, out: ArrayBufferView): void;
  /** The bytes of `id`, without blocking the JS thread (an event + a thread-safe function). */
  read(id: number): Promise<ArrayBuffer>;
  /** A new tensor `dst` with a device-side copy of `src`. */
  copy(src: number, dst: number): void;
  /** Waits for all queued work; throws what a kernel hit while running. */
  sync(): void;
  /** Transfers, memory, caches and settings, counted since the addon loaded. */
  cudaStats(): CudaNativeStats;
  /** Forgets every cached convolution and matmul plan. */
  clearCaches(): void;
  /**
   * Changes the settings of `CudaNativeStats` (tf32, benchmark, filterCache, fusedZero,
   * pinnedUpload) from now on; options left out keep their value.
   */
  setOptions(options: {
    tf32?: boolean;
    benchmark?: boolean;
    filterCache?: boolean;
    fusedZero?: boolean;
    pinnedUpload?: boolean;
  }): void;
  /** Waits for the stream, then gives the pool's unused memory back to the driver. */
  trimPool(): void;
  /** Profile mode on (clears the records) or off. */
  profile(on: boolean): void;
  /** The transfers and launches recorded since the last call, and clears them. */
  profileRecords(): CudaProfileRecords;
  /** Records a timing event on the stream; its index since the last marksElapsed(). */
  mark(): number;
  /** Waits for the stream; ms of each mark after mark 0; clears the marks. */
  marksElapsed(): Float64Array;
  /** The GPU kernels. */
  kernels: CudaKernels;
}

/** The stable `code`s graft_cuda.node throws, beside graft.node's (src/cuda/cuda_common.h). */
export type CudaErrorCode =
  | "ERR_GRAFT_CUDA"
  | "ERR_GRAFT_CUDNN"
  | "ERR_GRAFT_CUBLAS"
  | "ERR_GRAFT_OUT_OF_MEMORY"
  | "ERR_GRAFT_INTERNAL";

/** `libraries`: where cuDNN/cuBLAS were looked for and found (null when the addon file is missing). */
export type CudaProbeResult =
  | {
      /** graft_cuda.node loads and the device works. */
      ok: true;
      /** What the child process's probe reported. */
      probe: CudaProbe;
      /** The graft_cuda.node that was probed. */
      path: string;
      /** Where cuDNN and cuBLAS were looked for and found. */
      libraries: CudaLibraries | null;
    }
  | {
      /** graft-cuda cannot run here. */
      ok: false;
      /** Why, with what to do. */
      reason: string;
      /** The probe's report when the addon loaded but the device or a library failed; else null. */
      probe: CudaProbe | null;
      /** The graft_cuda.node that was (or would have been) probed. */
      path: string;
      /** Where cuDNN and cuBLAS were looked for and found. */
      libraries: CudaLibraries | null;
    };

/** Why CMake did not build graft_cuda.node (build/graft-build.json), or null if unknown. */
function buildReason(): string | null {
  try {
    const info = JSON.parse(readFileSync(BUILD_INFO_PATH, "utf8")) as {
      cudaAddon?: { found: boolean; reason: string | null };
    };
    if (info.cudaAddon && !info.cudaAddon.found) return info.cudaAddon.reason;
  } catch {
    // no build info: the addon was never built
  }
  return null;
}

const probes = new Map<string, CudaProbeResult>();

/** The child's script: preload cuDNN/cuBLAS, require the addon, print probe() and its `boundary` as JSON. Nothing else runs there. */
function childScript(path: string, preload: string[]): string {
  return `${preloadSource(preload)} const a = require(${JSON.stringify(path)}); process.stdout.write(JSON.stringify({ ...a.probe(), boundary: a.boundary }));`;
}

function tail(text: string, lines = 4): string {
  return text.trim().split("\n").slice(-lines).join(" | ");
}

/**
 * Probes graft_cuda.node in a child process (cached per path): the addon is required
 * and its probe() called there, so a missing library, a cuDNN abort or a hung driver
 * costs the child, never this process. `timeoutMs` bounds the child (first CUDA
 * initialisation can take seconds).
 */
export function probeCudaAddon(
  path: string = cudaAddonPath(),
  timeoutMs = 60_000,
  search: CudaLibrarySearch = {},
): CudaProbeResult {
  const cached = probes.get(path);
  if (cached) return cached;
  const result = runProbe(path, timeoutMs, search);
  probes.set(path, result);
  return result;
}

function notFound(path: string): string {
  const why = path === DEFAULT_CUDA_ADDON_PATH ? buildReason() : null;
  const name = CUDA_PREBUILT_PACKAGES[platformKey(hostPlatform())];
  const prebuilt = name ? `install the prebuilt (\`npm i ${name}\`) or ` : "";
  return why
    ? `graft_cuda.node was not built: ${why}`
    : `graft_cuda.node not found at ${path}: ${prebuilt}build it with \`${buildCommand()}\` on a machine with nvcc (cuDNN and cuBLAS come from pip)`;
}

function runProbe(path: string, timeoutMs: number, search: CudaLibrarySearch): CudaProbeResult {
  if (!existsSync(path))
    return { ok: false, path, probe: null, libraries: null, reason: notFound(path) };
  const blockers = cudaPrebuiltBlockers(path);
  if (blockers.length > 0) {
    const reason = `${blockers.join("; ")}; or build graft_cuda.node on this machine with \`${buildCommand()}\``;
    return { ok: false, path, probe: null, libraries: null, reason };
  }
  const libraries = findCudaLibraries(path, search);
  const fail = (reason: string): CudaProbeResult => ({
    ok: false,
    path,
    probe: null,
    libraries,
    reason,
  });
  const r = spawnSync(process.execPath, ["-e", childScript(path, preloadPaths(libraries))], {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, NODE_OPTIONS: "" },
    maxBuffer: 1 << 20,
  });
  if (r.error) {
    const timedOut = (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
    return fail(
      timedOut
        ? `probing graft_cuda.node timed out after ${timeoutMs} ms (a hung driver or GPU?)`
        : `could not start a child process to probe graft_cuda.node: ${r.error.message}`,
    );
  }
  if (r.signal) {
    const cudnn = /cudnn/i.test(r.stderr)
      ? "; cuDNN 9 aborts when its sub-libraries (libcudnn_*.so.9) are missing: reinstall `pip install nvidia-cudnn-cu13`"
      : "";
    return fail(
      `loading graft_cuda.node killed the probing process (${r.signal})${cudnn}: ${tail(r.stderr)}`,
    );
  }
  if (r.status !== 0) {
    const lib = /(lib[\w+.-]+\.so[\w.]*): cannot open shared object file/.exec(r.stderr)?.[1];
    const hint = lib
      ? `; ${lib} is missing: ${/cudnn|cublas/.test(lib) ? "`pip install nvidia-cudnn-cu13 nvidia-cublas`, or set GRAFT_CUDA_LIB_PATH to its folder, or " : ""}rebuild with \`${buildCommand()}\` on this machine (looked in: ${describeSearch(libraries)})`
      : "";
    const runtime = runtimeVersionHint(r.stderr, hostPlatform());
    const why = runtime ? `; ${runtime}: build it on this machine with \`${buildCommand()}\`` : "";
    return fail(
      `graft_cuda.node failed to load (exit ${r.status})${hint}${why}: ${tail(r.stderr)}`,
    );
  }
  let probe: CudaProbe;
  let boundary: unknown;
  try {
    ({ boundary, ...probe } = JSON.parse(r.stdout) as CudaProbe & { boundary?: unknown });
  } catch {
    return fail(`graft_cuda.node's probe printed no JSON: ${tail(r.stdout)}`);
  }
  if (!probe.cuda)
    return {
      ok: false,
      path,
      probe,
      libraries,
      reason: probe.reason ?? "probe() said cuda: false",
    };
  const mismatch = boundaryMismatch(boundary);
  if (mismatch) return fail(staleBoundary(path, mismatch));
  return { ok: true, path, probe, libraries };
}

/** The reason for a graft_cuda.node whose codes differ from this package's TypeScript. */
function staleBoundary(path: string, mismatch: string): string {
  return `${path} was built from another src/boundary.h than this package's TypeScript (${mismatch}): rebuild it with \`${buildCommand()}\` or install the matching prebuilt`;
}

const loaded = new Map<string, CudaNative>();

/**
 * Loads graft_cuda.node in this process, after a successful child-process probe.
 * Throws an Error with the probe's reason (code ERR_GRAFT_UNAVAILABLE) otherwise.
 */
export function loadCudaAddon(path: string = cudaAddonPath()): CudaNative {
  const done = loaded.get(path);
  if (done) return done;
  const probe = probeCudaAddon(path);
  if (!probe.ok) {
    throw Object.assign(new Error(`graft-cuda is unavailable: ${probe.reason}`), {
      code: "ERR_GRAFT_UNAVAILABLE",
    });
  }
  // The same libraries the child loaded, so the addon's NEEDED entries resolve to them.
  preloadCudaLibraries(probe.libraries ? preloadPaths(probe.libraries) : []);
  const native = require(path) as CudaNative;
  const mismatch = boundaryMismatch(native.boundary);
  if (mismatch) {
    throw Object.assign(new Error(`graft-cuda is unavailable: ${staleBoundary(path, mismatch)}`), {
      code: "ERR_GRAFT_UNAVAILABLE",
    });
  }
  loaded.set(path, native);
  return native;
}
