/**
 * graft's Node-API addon: the typed interface of graft.node, the native side of
 * the graft-cpu and graft-cuda tfjs backends, and its loader. Import
 * `@graft/native/graft-cpu` or `@graft/native/graft-cuda` to register a backend.
 *
 * @module @graft/native
 */
// The one module that loads graft.node. Everything else imports the addon's typed
// interface from here. Importing this module never throws: a missing or broken
// binary shows up in addonStatus() and in the error loadAddon() throws. Which file
// is loaded: GRAFT_ADDON_PATH, else the local build, else the platform package
// (findAddon); ts/platform.ts knows the platforms and what a prebuilt needs.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ACTIVATIONS, type POOL_KINDS } from "./common/boundary.ts";
import { boundaryMismatch } from "./common/boundary_check.ts";
import {
  buildCommand,
  CPU_PREBUILT_PACKAGES,
  cpuFlags,
  findPackageDir,
  type HostPlatform,
  hostPlatform,
  PACKAGE_VERSION,
  platformKey,
  platformName,
  prebuiltBlockers,
  readPrebuiltInfo,
  runtimeVersionHint,
} from "./platform.ts";

const require = createRequire(import.meta.url);

/** The local build: where `graft-native build` (in this repository `pnpm --filter @graft/native build`) puts the addon. */
export const DEFAULT_ADDON_PATH = fileURLToPath(
  new URL("../build/Release/graft.node", import.meta.url),
);

/** The Node-API level graft.node is built for (package.json `binary.napi_versions`). */
export const NAPI_VERSION = 8;

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

/** Every `SelfTestKind`: each of graft.node's error paths, and "ok". */
export const SELF_TEST_KINDS = ["ok", "graft", "std", "unknown", "napi", "onednn"] as const;
/** How `_selfTest` fails on purpose; "ok" returns true. */
export type SelfTestKind = (typeof SELF_TEST_KINDS)[number];

/**
 * Activation codes of `conv2d` and `matmul`, fused into the kernel as a oneDNN
 * post-op (tfjs names as keys): y = act(conv + bias). src/boundary.h's ACTIVATIONS.
 */
export const CPU_ACTIVATIONS = ACTIVATIONS;
export { CPU_BINARY_OPS, CPU_BROADCAST, POOL_KINDS } from "./common/boundary.ts";
export { convParams, poolParams } from "./common/conv.ts";

/** A pooling kind code (POOL_KINDS). */
export type PoolKind = (typeof POOL_KINDS)[keyof typeof POOL_KINDS];

/**
 * The arithmetic of the oneDNN kernels (conv2d*, matmul): "fp32", the default, or
 * "bf16": inputs rounded to bfloat16 inside the kernel, sums and results in fp32
 * (tensors stay float32). Set with `setMath`, `GRAFT_CPU_MATH` or `setCpuMath`.
 */
export type CpuMath = "fp32" | "bf16";
/** Every `CpuMath`. */
export const CPU_MATH_MODES: readonly CpuMath[] = ["fp32", "bf16"];

/**
 * How the fp32 convolutions pick oneDNN's algorithm: "auto", the default, runs
 * Winograd F(4x4, 3x3) on 3x3 stride-1 layers with at least 64 input and output
 * channels (multiples of 16) and direct elsewhere; "direct" never uses Winograd;
 * "winograd" uses it wherever oneDNN has it. Set with `setConvAlgorithm`,
 * `GRAFT_CPU_CONV` or `setCpuConvAlgorithm`.
 */
export type CpuConvAlgorithm = "auto" | "direct" | "winograd";
/** Every `CpuConvAlgorithm`. */
export const CPU_CONV_ALGORITHMS: readonly CpuConvAlgorithm[] = ["auto", "direct", "winograd"];

/** What the CPU kernels keep between calls (`cpu.cpuStats()`). */
export interface CpuStats {
  /** Cached oneDNN primitives (one per op, shape, attributes and thread count; at most 256). */
  primitiveCacheEntries: number;
  /** Calls that found their primitive cached. */
  primitiveCacheHits: number;
  /** Calls that had to create one. */
  primitiveCacheMisses: number;
  /** The one user-owned oneDNN scratchpad; it grows to the largest any primitive needs. */
  scratchpadBytes: number;
  /** Reorder targets: filters in oneDNN's blocked layout, blocked filter gradients. */
  tempBytes: number;
  /** Reordered filters kept under a `weightsKey` (see `conv2d`); at most 256 MiB. */
  weightsCacheEntries: number;
  /** Bytes those reordered filters take. */
  weightsCacheBytes: number;
  /** All memory the addon holds for the CPU kernels (oneDNN's JIT code is not counted). */
  bytes: number;
  /** Threads every kernel uses (`numThreads()`). */
  threads: number;
  /** Where that count comes from: "all 16 cores", "GRAFT_NUM_THREADS=4", "setNumThreads(2)", or why GRAFT_NUM_THREADS was ignored. */
  threadsNote: string;
  /** The arithmetic conv2d* and matmul use now (`setMath`). */
  math: CpuMath;
  /** Whether this CPU runs oneDNN's bf16 kernels natively (AVX512_BF16 or AMX); `setMath("bf16")` refuses otherwise. */
  bf16: boolean;
  /** Why not, e.g. "oneDNN dispatches to avx512_core on this CPU, which has no bf16 arithmetic ..."; null when `bf16`. */
  bf16Reason: string | null;
  /**
   * Whether bf16 runs on AMX tiles. Without AMX, bf16 uses AVX512_BF16, whose dot
   * product may be no faster than fp32 FMAs (on this project's Xeon VM it is half as fast).
   */
  amx: boolean;
  /** Kernel calls made in bf16 mode that ran in bf16 (since the addon loaded). */
  bf16Runs: number;
  /** Kernel calls made in bf16 mode that ran in fp32: oneDNN had only its reference bf16 kernel for the shape. */
  bf16FallbackRuns: number;
  /** How convolutions pick their algorithm now (`setConvAlgorithm`). */
  convAlgorithm: CpuConvAlgorithm;
  /** Convolution calls that ran on a Winograd primitive (since the addon loaded). */
  winogradRuns: number;
}

/**
 * The CPU kernels of the graft-cpu backend (`addon.cpu`, C++ in src/cpu/).
 *
 * Every array is the tensor's own Float32Array (zero copy), laid out NHWC;
 * filters are HWIO ([kh, kw, inC, outC]) as tfjs and Keras store them. Outputs
 * are allocated by the caller and overwritten. C++ trusts the shapes in `p` and
 * only checks that each array's length agrees with them (a mismatch throws
 * ERR_GRAFT_INTERNAL: a bug on the TS side). Calls are synchronous and run on
 * `numThreads()` threads. A failing oneDNN call throws ERR_GRAFT_ONEDNN naming
 * the op and the shapes; without oneDNN, conv2d*, matmul throw ERR_GRAFT_UNAVAILABLE
 * while pooling and the elementwise kernels still work.
 */
export interface CpuKernels {
  /**
   * y = act(conv2d(x, w) + bias) (oneDNN). `p` is the CONV_PARAMS block (convParams():
   * N, H, W, C, KH, KW, OC, OH, OW, strideH, strideW, dilationH, dilationW, padTop,
   * padLeft, padBottom, padRight) with dilations as tfjs counts them (1 = none) and pads from
   * `backend_util.computeConv2DInfo` (`padInfo`). x: [N,H,W,C], w: [KH,KW,C,OC],
   * bias: [OC] or null, y: [N,OH,OW,OC]. `activation` is one of CPU_ACTIVATIONS;
   * `alpha` is leakyrelu's slope (ignored otherwise).
   *
   * `weightsKey` (optional, an integer >= 0 that names these filter values for as
   * long as they live, e.g. the filter's tfjs dataId `id`): from the second call
   * with the same key, the filter reordered into oneDNN's layout is kept (LRU,
   * at most 256 MiB) and reused. Call `releaseWeights(key)` when that tensor is
   * disposed. Omit it (or pass -1) to reorder on every call. A key seen with
   * another buffer or length is reordered afresh, never served stale.
   */
  conv2d(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    p: Int32Array,
    activation: number,
    alpha: number,
    weightsKey?: number,
    /**
     * 1, or the input channels C for a depthwise convolution (tfjs' DepthwiseConv2dNative):
     * w is then [KH, KW, C, M] and OC = C·M.
     */
    groups?: number,
  ): void;
  /**
   * dx = the gradient of conv2d with respect to x (oneDNN). Same `p` and `groups`; dy:
   * [N,OH,OW,OC], dx: [N,H,W,C].
   */
  conv2dBackpropInput(
    dy: Float32Array,
    w: Float32Array,
    dx: Float32Array,
    p: Int32Array,
    groups?: number,
  ): void;
  /**
   * dw = the gradient of conv2d with respect to w (oneDNN), in w's layout. Same `p` and
   * `groups`; no bias gradient (use `sumRows`).
   */
  conv2dBackpropFilter(
    x: Float32Array,
    dy: Float32Array,
    dw: Float32Array,
    p: Int32Array,
    groups?: number,
  ): void;
  /**
   * Max (POOL_KINDS.max) or average (POOL_KINDS.avg, over the window's in-bounds values)
   * pooling, exactly as tfjs-backend-cpu. `p` is the POOL_PARAMS block (poolParams(): N, H,
   * W, C, KH, KW, OH, OW, strideH, strideW, padTop, padLeft, padBottom, padRight).
   * x: [N,H,W,C], y: [N,OH,OW,C].
   */
  pool2d(x: Float32Array, y: Float32Array, p: Int32Array, kind: PoolKind): void;
  /**
   * tfjs's MaxPoolGrad: each dy goes to the first strictly greatest x of its
   * window (row-major; NaN never wins); overlapping windows add up. Same `p` as pool2d.
   */
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, p: Int32Array): void;
  /**
   * tfjs's AvgPoolGrad: each dy, divided by KH*KW (the full window, also where
   * 'same' padding cut it), goes to every in-bounds position of its window.
   */
  avgPoolGrad(dy: Float32Array, dx: Float32Array, p: Int32Array): void;
  /**
   * y = act(op(a) @ op(b) + bias) (oneDNN). `p` is the MATMUL_PARAMS block (batchA,
   * batchB, M, K, N, transposeA, transposeB): a is [batchA, M, K] ([batchA, K, M] when transposed),
   * b is [batchB, K, N] ([batchB, N, K] when transposed), y is [max(batchA, batchB), M, N];
   * a batch of 1 broadcasts. bias: [N] or null. `activation` and `alpha` as in conv2d.
   * `weightsKey` names b's values as conv2d's names its filter; it only matters in
   * bf16 mode, where b converted to bf16 is kept from its second use on.
   */
  matmul(
    a: Float32Array,
    b: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    p: Int32Array,
    activation: number,
    alpha: number,
    weightsKey?: number,
  ): void;
  /** y = max(0, x); NaN stays NaN. */
  relu(x: Float32Array, y: Float32Array): void;
  /** y = tfjs ClipByValue of x: hi above hi, lo below lo, x otherwise (NaN stays NaN). */
  clip(x: Float32Array, y: Float32Array, lo: number, hi: number): void;
  /** y = tfjs-cpu's sigmoid, 1 / (1 + exp(-x)) in double, rounded to float32. */
  sigmoid(x: Float32Array, y: Float32Array): void;
  /**
   * tfjs FusedBatchNorm: y[i] = offset[c] + (x[i] - mean[c]) * scale[c] / sqrt(variance[c] +
   * epsilon), c = i % inner, in double and in tfjs-cpu's order (same bits). Each parameter
   * holds 1 or `inner` values; offset and scale may be null (0 and 1).
   */
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    y: Float32Array,
    inner: number,
    epsilon: number,
  ): void;
  /**
   * tfjs PadV2 with a constant: p = [rank, ...shape, ...before, ...after]; y (the padded shape)
   * is filled with the constant (as float32) and x copied in at `before`.
   */
  pad(x: Float32Array, y: Float32Array, p: Int32Array, constant: number): void;
  /** tfjs Slice: p = [rank, ...shape, ...begin, ...size]; y is that box of x. */
  slice(x: Float32Array, y: Float32Array, p: Int32Array): void;
  /** tfjs Tile: p = [rank, ...shape, ...reps]; y (shape × reps) repeats x along every axis. */
  tile(x: Float32Array, y: Float32Array, p: Int32Array): void;
  /** dx = dy * step(x): Relu's gradient in one pass, bit for bit what tfjs's Step, Cast, Multiply give. */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** dx = lo <= x <= hi ? dy : 0: ClipByValue's gradient in one pass, what tfjs' where gives. */
  clipGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, lo: number, hi: number): void;
  /** tfjs Step: y = x > 0 ? 1 : alpha; NaN stays NaN. */
  step(x: Float32Array, y: Float32Array, alpha: number): void;
  /** Softmax over the last axis of x viewed as [rows, cols]: exp(x - max) / sum, the sum in double. */
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  /**
   * y[i] = a[ia] op b[ib] for i < outer * inner (`op` one of CPU_BINARY_OPS), each
   * input indexed by its mode (CPU_BROADCAST: full i, scalar 0, row i % inner).
   * Covers same shape, scalar and bias broadcasting. +,-,*,/ round as tfjs: same bits.
   */
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    y: Float32Array,
    outer: number,
    inner: number,
    aMode: number,
    bMode: number,
  ): void;
  /**
   * y[c] = sum over r of x[r * cols + c] (the bias gradient), summed in double and rounded once,
   * as tfjs; with `divisor`, of x / divisor computed in float32 first (tfjs's Mean).
   */
  sumRows(x: Float32Array, y: Float32Array, rows: number, cols: number, divisor?: number): void;
  /** y = inputs[0] + inputs[1] + ..., in float32 and in order, as tfjs AddN. */
  addN(inputs: Float32Array[], y: Float32Array): void;
  /**
   * One SGD-with-momentum step in one pass, rounding as tfjs's MomentumOptimizer:
   * newAcc = m * acc + grad; newValue = c * newAcc + value, or with Nesterov
   * c * (grad + newAcc * m) + value (c = -learningRate). All arrays one size.
   */
  momentumUpdate(
    value: Float32Array,
    acc: Float32Array,
    grad: Float32Array,
    newValue: Float32Array,
    newAcc: Float32Array,
    m: number,
    c: number,
    nesterov: boolean,
  ): void;
  /** Threads for every kernel from now on (oneDNN's and the hand-written ones). */
  setNumThreads(n: number): void;
  /** Threads the kernels use: all cores by default, or GRAFT_NUM_THREADS read when the addon loads. */
  numThreads(): number;
  /**
   * The arithmetic of conv2d* and matmul from now on, for the whole process. "bf16"
   * throws ERR_GRAFT_UNAVAILABLE, with `cpuStats().bf16Reason`, where the CPU has no
   * native bf16 (oneDNN would emulate it, slower than fp32); the mode then stays as it was.
   */
  setMath(math: CpuMath): void;
  /** How conv2d* pick oneDNN's algorithm from now on, for the whole process (see `CpuConvAlgorithm`). */
  setConvAlgorithm(algorithm: CpuConvAlgorithm): void;
  /** The memory the kernels keep between calls; works without oneDNN too (all zero). */
  cpuStats(): CpuStats;
  /** Frees every cached primitive, scratchpad, temporary buffer and reordered filter. */
  clearCaches(): void;
  /** Forgets the reordered filter cached under `weightsKey`; true when there was one. */
  releaseWeights(weightsKey: number): boolean;
}

/** graft.node's exports, as C++ declares them in src/addon.cc. */
export interface NativeAddon {
  /** What this build is and can do: version, oneDNN and the ISA it dispatches to, threads, compiler. */
  capabilities(): Capabilities;
  /** Throws from C++ on purpose (see src/self_test.cc); for tests only. */
  _selfTest(kind: SelfTestKind): true;
  /** The graft-cpu backend's kernels. */
  cpu: CpuKernels;
  /** src/boundary.h's tables and constants, as this binary was built with them. */
  boundary: unknown;
}

/** Where a graft.node came from, in the order the loader tries them. */
export type AddonSource = "path" | "GRAFT_ADDON_PATH" | "local build" | "prebuilt";

/** One graft.node the loader tried: where, and why it did not load (empty when it did). */
export interface AddonAttempt {
  /** Where the loader looked. */
  source: AddonSource;
  /** null when there was no file to try (no prebuilt for this platform, or not installed). */
  path: string | null;
  /** Whether this file loaded and has every export graft needs. */
  loaded: boolean;
  /** Why it did not, each with what to do; empty when it loaded. */
  reasons: string[];
}

/** What `addonStatus` found: the file that loads, or every reason none does. */
export type AddonStatus =
  | {
      /** graft.node loaded. */
      loaded: true;
      /** The file that loaded. */
      path: string;
      /** Where the loader found it. */
      source: AddonSource;
      /** Every file tried, in order, the one that loaded last. */
      tried: AddonAttempt[];
    }
  | {
      /** graft.node cannot be used. */
      loaded: false;
      /** The path asked for (or GRAFT_ADDON_PATH), else where the local build would be. */
      path: string;
      /** Every reason, each with what to do about it. */
      reasons: string[];
      /** Every file tried, in order. */
      tried: AddonAttempt[];
    };

/** Thrown by loadAddon() when graft.node cannot be used; `reasons` says why and what to do. */
export class AddonLoadError extends Error {
  /** Always ERR_GRAFT_ADDON_NOT_LOADED. */
  readonly code = "ERR_GRAFT_ADDON_NOT_LOADED";
  constructor(
    /** The file that could not be used (see `AddonStatus`). */
    readonly path: string,
    /** Why it cannot be used, each with what to do; the message lists them too. */
    readonly reasons: string[],
  ) {
    super(`@graft/native: cannot load graft.node:\n${reasons.map((r) => `  - ${r}`).join("\n")}`);
    this.name = "AddonLoadError";
  }
}

type LoadResult = { ok: true; addon: NativeAddon } | { ok: false; reasons: string[] };
const results = new Map<string, LoadResult>();

const REQUIRED_EXPORTS = ["capabilities", "_selfTest"] as const;
const REQUIRED_CPU_EXPORTS: readonly (keyof CpuKernels)[] = [
  "conv2d",
  "conv2dBackpropInput",
  "conv2dBackpropFilter",
  "pool2d",
  "maxPoolGrad",
  "avgPoolGrad",
  "matmul",
  "relu",
  "reluGrad",
  "clipGrad",
  "step",
  "clip",
  "sigmoid",
  "softmax",
  "binary",
  "sumRows",
  "addN",
  "momentumUpdate",
  "batchNorm",
  "pad",
  "slice",
  "tile",
  "setNumThreads",
  "numThreads",
  "setMath",
  "setConvAlgorithm",
  "cpuStats",
  "clearCaches",
  "releaseWeights",
];

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// What to do about an error from require(): one hint per cause we can recognise.
function hintsFor(message: string): string[] {
  const build = buildCommand();
  const hints: string[] = [];
  const runtime = runtimeVersionHint(message, hostPlatform());
  if (runtime) hints.push(`${runtime}: build graft.node on this machine with \`${build}\``);
  const missingLib = /(lib[\w+.-]+\.so[\w.]*): cannot open shared object file/.exec(message);
  if (missingLib?.[1]?.startsWith("libdnnl")) {
    hints.push(
      `oneDNN's library ${missingLib[1]} is not installed: \`apt-get install libdnnl-dev\`, ` +
        `or rebuild without it: \`GRAFT_WITH_ONEDNN=OFF ${build}\``,
    );
  } else if (missingLib) {
    hints.push(
      `${missingLib[1]} is not installed, or graft.node was built on another machine: rebuild with \`${build}\``,
    );
  }
  if (
    /invalid ELF header|wrong ELF class|not a mach-o file|not a valid Win32 application/i.test(
      message,
    )
  ) {
    hints.push(`graft.node was built for another platform: rebuild with \`${build} --clean\``);
  }
  if (!runtime && /undefined symbol|symbol lookup error/.test(message)) {
    hints.push(
      `graft.node does not match this Node.js or its libraries: rebuild with \`${build}\``,
    );
  }
  if (hints.length === 0) hints.push(`rebuild with \`${build}\` and read its output`);
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
    reasons.push(`graft.node not found at ${path}${where}: run \`${buildCommand()}\``);
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
  const missing: string[] = REQUIRED_EXPORTS.filter(
    (name) => typeof exports?.[name] !== "function",
  ).map((name) => `${name}()`);
  const cpu = exports?.cpu as Record<string, unknown> | null | undefined;
  const missingCpu = REQUIRED_CPU_EXPORTS.filter((name) => typeof cpu?.[name] !== "function");
  if (missingCpu.length > 0) missing.push(`cpu.{${missingCpu.join(", ")}}()`);
  if (missing.length > 0) {
    reasons.push(
      `${path} loaded but lacks ${missing.join(", ")}: it is stale or not graft's; rebuild with \`${buildCommand()}\``,
    );
  } else {
    const mismatch = boundaryMismatch(exports?.boundary);
    if (mismatch) {
      reasons.push(
        `${path} was built from another src/boundary.h than this package's TypeScript (${mismatch}): rebuild with \`${buildCommand()}\``,
      );
    }
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

function attempt(source: AddonSource, path: string): AddonAttempt {
  const result = resolve(path);
  return { source, path, loaded: result.ok, reasons: result.ok ? [] : [...result.reasons] };
}

/** What the search may be told instead of this process's own facts: for tests and tools. */
export interface AddonSearch {
  /** Read for GRAFT_ADDON_PATH (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The local build (default DEFAULT_ADDON_PATH). */
  localPath?: string;
  /** The folder the platform package is resolved from, as Node would (default: this package's). */
  resolveFrom?: string;
  /** The machine (default hostPlatform()). */
  host?: HostPlatform;
  /** This CPU's flags (default from /proc/cpuinfo). */
  cpuFlags?: ReadonlySet<string> | null;
}

// The platform package: not there for this platform, not installed, refused, or tried.
function prebuiltAttempt(search: AddonSearch, p: HostPlatform): AddonAttempt {
  const name = CPU_PREBUILT_PACKAGES[platformKey(p)];
  const build = buildCommand();
  if (name === undefined) {
    const supported = Object.keys(CPU_PREBUILT_PACKAGES).join(", ");
    return {
      source: "prebuilt",
      path: null,
      loaded: false,
      reasons: [
        `no prebuilt graft.node exists for ${platformName(p)} (prebuilts: ${supported}): build it from source with \`${build}\` (needs CMake, a C++17 compiler and make; oneDNN for the fast kernels)`,
      ],
    };
  }
  const dir = findPackageDir(name, search.resolveFrom);
  if (dir === null) {
    return {
      source: "prebuilt",
      path: null,
      loaded: false,
      reasons: [
        `${name} is not installed (npm installs it with @graft/native on ${platformKey(p)} as an optional dependency, unless optional dependencies were omitted): \`npm i ${name}@${PACKAGE_VERSION}\`, or build from source with \`${build}\``,
      ],
    };
  }
  const path = join(dir, "graft.node");
  const info = readPrebuiltInfo(dir);
  const blockers =
    typeof info === "string"
      ? [info]
      : prebuiltBlockers(
          name,
          info,
          p,
          search.cpuFlags === undefined ? cpuFlags() : search.cpuFlags,
        );
  if (blockers.length > 0) {
    return {
      source: "prebuilt",
      path,
      loaded: false,
      reasons: [...blockers, `build graft.node on this machine instead: \`${build}\``],
    };
  }
  return attempt("prebuilt", path);
}

/**
 * Finds and loads graft.node, in this order, stopping at the first that loads:
 * 1. `GRAFT_ADDON_PATH`, a file: when set it is the only candidate (a wrong path is
 *    an error to see, not a reason to load something else);
 * 2. the local build, build/Release/graft.node in this package (`graft-native build`);
 * 3. the platform package (@graft/native-linux-x64-gnu), refused before loading where
 *    its glibc or CPU needs are not met.
 * Never throws; every candidate tried is in `tried`.
 */
export function findAddon(search: AddonSearch = {}): AddonStatus {
  const env = search.env ?? process.env;
  const explicit = env.GRAFT_ADDON_PATH;
  if (explicit) {
    const a = attempt("GRAFT_ADDON_PATH", explicit);
    if (a.loaded) return { loaded: true, path: explicit, source: a.source, tried: [a] };
    a.reasons.push(
      "GRAFT_ADDON_PATH names this file, so nothing else was tried: fix it, or unset it to use the local build or the prebuilt",
    );
    return { loaded: false, path: explicit, reasons: a.reasons, tried: [a] };
  }
  const p = search.host ?? hostPlatform();
  const localPath = search.localPath ?? DEFAULT_ADDON_PATH;
  const tried: AddonAttempt[] = [];
  const local = attempt("local build", localPath);
  tried.push(local);
  if (local.loaded) return { loaded: true, path: localPath, source: local.source, tried };
  const prebuilt = prebuiltAttempt(search, p);
  tried.push(prebuilt);
  if (prebuilt.loaded && prebuilt.path) {
    return { loaded: true, path: prebuilt.path, source: prebuilt.source, tried };
  }
  const reasons = [
    `no graft.node loads on ${platformName(p)}; tried, in order:`,
    ...tried.map((a) => `${a.source}${a.path ? ` (${a.path})` : ""}: ${a.reasons.join("; ")}`),
    `to build graft.node from source on this machine run \`npx graft-native build\`${buildCommand() === "npx graft-native build" ? "" : ` (in graft's repository: \`${buildCommand()}\`)`}, then \`npx graft-native status\``,
  ];
  return { loaded: false, path: localPath, reasons, tried };
}

let found: AddonStatus | undefined;
function defaultStatus(): AddonStatus {
  // GRAFT_ADDON_PATH is read on every call (tests and tools change it); the search itself is cached per path.
  if (process.env.GRAFT_ADDON_PATH) return findAddon();
  found ??= findAddon();
  return found;
}

function statusOf(path: string): AddonStatus {
  const a = attempt("path", path);
  return a.loaded
    ? { loaded: true, path, source: "path", tried: [a] }
    : { loaded: false, path, reasons: a.reasons, tried: [a] };
}

/**
 * Whether graft.node loads, and if not every reason why with what to do. Never
 * throws. Without `path` the loader's search runs (see findAddon); with it, only
 * that file is tried (for tests and tools).
 */
export function addonStatus(path?: string): AddonStatus {
  return path === undefined ? defaultStatus() : statusOf(path);
}

/** Loads graft.node once (per path) and returns it; throws AddonLoadError with every reason. */
export function loadAddon(path?: string): NativeAddon {
  const status = addonStatus(path);
  if (!status.loaded) throw new AddonLoadError(status.path, status.reasons);
  const result = resolve(status.path);
  if (!result.ok) throw new AddonLoadError(status.path, result.reasons);
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
  get cpu() {
    return loadAddon().cpu;
  },
  get boundary() {
    return loadAddon().boundary;
  },
};

/** What graft.node was built with; throws AddonLoadError if it cannot load. */
export function capabilities(): Capabilities {
  return addon.capabilities();
}
