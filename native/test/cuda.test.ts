/**
 * graft-cuda. Three tiers, each saying why it skips:
 *  1. always: the build (graft.node links no CUDA library; graft_cuda.node names
 *     cuDNN/cuBLAS by SONAME, with no RUNPATH, and the loader's search finds them), the child-process probe (a missing GPU, a load
 *     failure or an abort is a reason, never a crash), and backend selection (the
 *     factory fails cleanly and tfjs falls back to graft-cpu).
 *  2. always: the TypeScript backend over a host-memory double of graft_cuda.node
 *     (test/cuda_host_native.ts): the conformance suite (test/conformance.ts) against
 *     tfjs-cpu, exact, with each cuDNN/cuBLAS kernel the double does not imitate
 *     counted as a fallback; storage, aliases, parameter marshalling, and a training
 *     step whose only host round trips are those kernels.
 *  3. GPU only (skipped, with the probe's reason printed, where there is none): the
 *     same conformance suite on graft-cuda against tfjs-cpu with TF32 tolerances,
 *     training equivalence, zero host round trips per training step.
 *     GRAFT_REQUIRE_GPU=1 (scripts/gpu-check.sh) turns the skip into a failure.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCudaAddon } from "../ts/cuda/addon.ts";
import { elfNeeded } from "../ts/elf.ts";
import {
  createGraftCudaBackend,
  cudaAddonPath,
  cudaSearchFolders,
  DEFAULT_CUDA_ADDON_PATH,
  describeSearch,
  findCudaLibraries,
  type GraftCudaBackend,
  probeCudaAddon,
  registerGraftCudaKernels,
} from "../ts/graft_cuda.ts";
import { hostPlatform, PACKAGE_VERSION, platformKey } from "../ts/platform.ts";
import { conformanceSuite, type Tolerances } from "./conformance.ts";
import { createHostNative, HOST_DISABLED } from "./cuda_host_native.ts";
import { data, onBoth, rand, relDiff, type Values, valuesOn, vggShaped } from "./helpers.ts";

const nativeDir = fileURLToPath(new URL("..", import.meta.url));
const graftNode = join(nativeDir, "build/Release/graft.node");
const buildInfoPath = join(nativeDir, "build/graft-build.json");
interface CudaAddonInfo {
  found: boolean;
  reason: string | null;
  path: string | null;
  cudnnLibrary: string | null;
  cublasLibrary: string | null;
}
const buildInfo = existsSync(buildInfoPath)
  ? (JSON.parse(readFileSync(buildInfoPath, "utf8")) as { cudaAddon?: CudaAddonInfo })
  : null;
const cudaBuilt = buildInfo?.cudaAddon?.found === true && existsSync(DEFAULT_CUDA_ADDON_PATH);

const probe = probeCudaAddon();
const gpu = probe.ok;
const requireGpu = process.env.GRAFT_REQUIRE_GPU === "1";
if (!gpu) console.warn(`[@graft/native] skipping graft-cuda GPU tests: ${probe.reason}`);
if (!cudaBuilt)
  console.warn(
    `[@graft/native] graft_cuda.node not built: ${buildInfo?.cudaAddon?.reason ?? "no build"}`,
  );

const HOST = "graft-cuda-host";
tf.registerBackend(HOST, () => createGraftCudaBackend(createHostNative(), HOST_DISABLED), -1);
registerGraftCudaKernels(HOST);

beforeAll(() => {
  tf.env().set("PROD", true);
});
afterAll(async () => {
  await tf.setBackend("cpu");
});

// --- 1. build, probe, selection ---

const ldd = (path: string) => spawnSync("ldd", [path], { encoding: "utf8" }).stdout ?? "";
const CUDA_LIBS = /libcudart|libcudnn|libcublas|libnvrtc|libcuda\.so/;

describe("the two addons", () => {
  it.skipIf(!existsSync(graftNode))(
    "graft.node (CPU) links no CUDA, cuDNN or cuBLAS library",
    () => {
      const out = ldd(graftNode);
      expect(out).toMatch(/libc\.so/); // ldd worked
      expect(out).not.toMatch(CUDA_LIBS);
    },
  );

  it.skipIf(!cudaBuilt)(
    "graft_cuda.node links cuDNN 9 and cuBLAS by SONAME without any RUNPATH, cudart statically",
    () => {
      const dyn = spawnSync("readelf", ["-d", DEFAULT_CUDA_ADDON_PATH], {
        encoding: "utf8",
      }).stdout;
      expect(dyn).toContain("libcudnn.so.9");
      expect(dyn).toMatch(/libcublas\.so\.\d+/);
      expect(dyn).toMatch(/libcublasLt\.so\.\d+/);
      expect(dyn).not.toContain("libcudart");
      // No path from the build machine: the loader finds the libraries (ts/cuda/libraries.ts).
      expect(dyn).not.toMatch(/\((RUN)?PATH\)/);
      expect(elfNeeded(DEFAULT_CUDA_ADDON_PATH)).toEqual(
        [...dyn.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
      );
      // The search finds every one on this machine, where CMake found them.
      const libs = findCudaLibraries(DEFAULT_CUDA_ADDON_PATH);
      expect(libs.libraries.map((l) => l.soname).sort()).toEqual(
        ["libcublas.so.13", "libcublasLt.so.13", "libcudnn.so.9"].sort(),
      );
      for (const l of libs.libraries) expect(l.path, l.soname).not.toBeNull();
      const info = buildInfo?.cudaAddon as CudaAddonInfo;
      const cudnn = libs.libraries.find((l) => l.soname === "libcudnn.so.9");
      expect(realpathSync(cudnn?.path as string)).toBe(realpathSync(info.cudnnLibrary as string));
      // cuBLASLt before cuBLAS, which NEEDs it.
      const order = libs.libraries.map((l) => l.soname);
      expect(order.indexOf("libcublasLt.so.13")).toBeLessThan(order.indexOf("libcublas.so.13"));
    },
  );
});

describe("finding cuDNN and cuBLAS (no GPU needed)", () => {
  const dir = mkdtempSync(join(tmpdir(), "graft-cuda-libs-"));
  const fakeAddon = join(dir, "graft_cuda.node");

  it.skipIf(!cudaBuilt)(
    "looks in GRAFT_CUDA_LIB_PATH, LD_LIBRARY_PATH, python3's wheels, /usr/local/cuda, in that order",
    () => {
      const first = join(dir, "first");
      const second = join(dir, "second");
      mkdirSync(first, { recursive: true });
      mkdirSync(second, { recursive: true });
      // A file named as the library is enough for the search (it loads nothing).
      writeFileSync(join(second, "libcudnn.so.9"), "");
      writeFileSync(join(first, "libcudnn.so.9"), "");
      const env = { GRAFT_CUDA_LIB_PATH: first, LD_LIBRARY_PATH: second };
      const libs = findCudaLibraries(DEFAULT_CUDA_ADDON_PATH, { env });
      expect(libs.searched.slice(0, 2)).toEqual([
        { source: "GRAFT_CUDA_LIB_PATH", dir: first },
        { source: "LD_LIBRARY_PATH", dir: second },
      ]);
      expect(libs.searched.at(-1)).toEqual({
        source: "CUDA toolkit",
        dir: "/usr/local/cuda/lib64",
      });
      expect(libs.libraries.find((l) => l.soname === "libcudnn.so.9")?.path).toBe(
        join(first, "libcudnn.so.9"),
      );
      const pip = libs.searched.filter((f) => f.source === "python3 pip wheels");
      expect(pip.map((f) => f.dir)).toContainEqual(expect.stringMatching(/nvidia\/cudnn\/lib$/));
    },
  );

  it.skipIf(!cudaBuilt)("without cuDNN anywhere the probe names every folder it looked in", () => {
    // A copy of the real addon, probed with nothing to find: no wheels, no toolkit, no paths.
    copyFileSync(DEFAULT_CUDA_ADDON_PATH, fakeAddon);
    const empty = join(dir, "empty");
    mkdirSync(empty, { recursive: true });
    const search = {
      env: { GRAFT_CUDA_LIB_PATH: empty },
      python: null,
      toolkitDir: join(dir, "no-cuda"),
    };
    const libs = findCudaLibraries(fakeAddon, search);
    expect(libs.libraries.every((l) => l.path === null)).toBe(true);
    const where = describeSearch(libs, search.env);
    expect(where).toContain(`GRAFT_CUDA_LIB_PATH: ${empty}`);
    expect(where).toContain("LD_LIBRARY_PATH (unset)");
    expect(where).toContain(`CUDA toolkit: ${join(dir, "no-cuda")}`);
    expect(where).toContain("then the system's default library path");
    // The child inherits this process's LD_LIBRARY_PATH; the system has no libcudnn either.
    const r = probeCudaAddon(fakeAddon, 30_000, search);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    if (/cannot open shared object file/.test(r.reason)) {
      expect(r.reason).toMatch(/lib(cudnn|cublas|cublasLt)\.so\.\d+ is missing/);
      expect(r.reason).toContain(`looked in: GRAFT_CUDA_LIB_PATH: ${empty}`);
    }
  });

  it("a python3 that cannot be run is a note, not an error", () => {
    const { searched, notes } = cudaSearchFolders({ env: {}, python: join(dir, "no-python") });
    expect(searched).toEqual([{ source: "CUDA toolkit", dir: "/usr/local/cuda/lib64" }]);
    expect(notes.join("\n")).toContain("could not be asked for its site-packages");
  });
});

describe("probing graft_cuda.node in a child process", () => {
  const dir = mkdtempSync(join(tmpdir(), "graft-cuda-probe-"));

  it("reports cuda:false with a reason here, or a device there, without crashing this process", () => {
    if (gpu) {
      expect(probe.ok && probe.probe.device).toMatch(/\S/);
      expect(probe.ok && probe.probe.computeCapability).toMatch(/^\d+\.\d+$/);
    } else {
      expect(probe.ok).toBe(false);
      expect(probe.ok ? "" : probe.reason).toMatch(/\S/);
      if (cudaBuilt) {
        // The addon loaded in the child and answered: versions are known even without a GPU.
        expect(probe.probe?.cudnnVersion).toMatch(/^9\./);
        expect(probe.probe?.cublasVersion).toMatch(/^\d+\.\d+\.\d+$/);
        expect(probe.probe?.cuda).toBe(false);
      } else {
        expect(probe.ok ? "" : probe.reason).toMatch(/graft_cuda\.node (was not built|not found)/);
      }
    }
  });

  it("a binary that aborts while loading (cuDNN 9 without its sub-libraries) kills only the child", () => {
    const path = join(dir, "aborts.js");
    writeFileSync(
      path,
      "process.stderr.write('Could not load library libcudnn_cnn.so.9\\n'); process.abort();",
    );
    const r = probeCudaAddon(path);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toContain("SIGABRT");
    expect(r.ok ? "" : r.reason).toContain("pip install nvidia-cudnn-cu13");
  });

  it("a missing shared library is a reason with what to install", () => {
    const path = join(dir, "missing.js");
    writeFileSync(
      path,
      "throw new Error('libcudnn.so.9: cannot open shared object file: No such file or directory');",
    );
    const r = probeCudaAddon(path);
    expect(r.ok ? "" : r.reason).toMatch(
      /libcudnn\.so\.9 is missing: `pip install nvidia-cudnn-cu13 nvidia-cublas`/,
    );
  });

  it("a path that does not exist says how to build", () => {
    const r = probeCudaAddon(join(dir, "nope.node"));
    expect(r.ok ? "" : r.reason).toContain("graft_cuda.node not found at");
  });

  it("a probe that hangs is stopped by the timeout", () => {
    const path = join(dir, "hangs.js");
    writeFileSync(path, "const end = Date.now() + 60000; while (Date.now() < end) {}");
    const r = probeCudaAddon(path, 1500);
    expect(r.ok ? "" : r.reason).toContain("timed out after 1500 ms");
  });

  it.skipIf(gpu)("loadCudaAddon refuses to load in-process after a failed probe", () => {
    expect(() => loadCudaAddon()).toThrow(
      expect.objectContaining({ code: "ERR_GRAFT_UNAVAILABLE" }),
    );
  });
});

describe("the opt-in CUDA platform package, installed in a project's node_modules", () => {
  const linuxGlibc = platformKey(hostPlatform()) === "linux-x64-glibc";
  const project = realpathSync(mkdtempSync(join(tmpdir(), "graft-cuda-prebuilt-")));
  const noLocal = join(project, "no-local-build", "graft_cuda.node");
  let installs = 0;
  /** A fresh project with the package installed; its graft-prebuilt.json gets `info`. */
  const install = (info: Record<string, unknown>, addon?: string) => {
    const root = join(project, `p${installs++}`);
    const dir = join(root, "node_modules", "@graft", "native-cuda-linux-x64-gnu");
    mkdirSync(dir, { recursive: true });
    const name = "@graft/native-cuda-linux-x64-gnu";
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: PACKAGE_VERSION }));
    const prebuilt = { name, version: PACKAGE_VERSION, glibc: "2.34", cpuFlags: [], ...info };
    writeFileSync(join(dir, "graft-prebuilt.json"), JSON.stringify(prebuilt));
    const path = join(dir, "graft_cuda.node");
    if (addon) copyFileSync(addon, path);
    else writeFileSync(path, "not an addon");
    return { root, path };
  };

  it.skipIf(!linuxGlibc)(
    "is found when there is no local build; the variable and the local build come first",
    () => {
      const { root, path } = install({});
      expect(cudaAddonPath({}, root, noLocal)).toBe(path);
      expect(cudaAddonPath({}, root, graftNode)).toBe(graftNode);
      expect(cudaAddonPath({ GRAFT_CUDA_ADDON_PATH: "/x/graft_cuda.node" }, root, noLocal)).toBe(
        "/x/graft_cuda.node",
      );
      // Not installed: the local build's path, whose probe then says how to get one.
      expect(cudaAddonPath({}, join(project, "empty"), noLocal)).toBe(noLocal);
    },
  );

  it.skipIf(!linuxGlibc)(
    "another version than @graft/native's is refused before anything loads it",
    () => {
      const { root } = install({ version: "9.9.9" });
      const r = probeCudaAddon(cudaAddonPath({}, root, noLocal));
      expect(r.ok).toBe(false);
      expect(r.ok ? "" : r.reason).toContain(
        `is version 9.9.9 but @graft/native is ${PACKAGE_VERSION}`,
      );
      expect(r.ok ? "" : r.reason).toContain("npm i @graft/native-cuda-linux-x64-gnu@");
      expect(r.libraries).toBeNull();
    },
  );

  it.skipIf(!linuxGlibc)("one that needs a newer glibc says which, and what to do", () => {
    const { root } = install({ glibc: "99.0" });
    const r = probeCudaAddon(cudaAddonPath({}, root, noLocal));
    expect(r.ok ? "" : r.reason).toContain(
      `needs glibc 99.0 or newer and this machine has glibc ${hostPlatform().glibcVersion}`,
    );
    expect(r.ok ? "" : r.reason).toMatch(/build graft_cuda\.node on this machine with `/);
  });

  it.skipIf(!linuxGlibc)("a missing graft-prebuilt.json is a reason, not a load", () => {
    const { root, path } = install({});
    rmSync(join(path, "..", "graft-prebuilt.json"));
    const r = probeCudaAddon(cudaAddonPath({}, root, noLocal));
    expect(r.ok ? "" : r.reason).toContain("graft-prebuilt.json is missing or unreadable");
  });

  it.skipIf(!linuxGlibc || !cudaBuilt)(
    "the real graft_cuda.node loads from there: cuDNN and cuBLAS found by the search, not by a path baked in",
    () => {
      const { root, path } = install({}, DEFAULT_CUDA_ADDON_PATH);
      const r = probeCudaAddon(cudaAddonPath({}, root, noLocal));
      expect(r.path).toBe(path);
      if (gpu) expect(r.ok).toBe(true);
      else {
        // Loaded in the child and answered (no GPU here): its versions are known.
        expect(r.ok ? "" : r.reason).not.toMatch(/cannot open shared object|failed to load/);
        expect(r.probe?.cudnnVersion).toMatch(/^9\./);
        expect(r.probe?.cuda).toBe(false);
      }
      const cudnn = r.libraries?.libraries.find((l) => l.soname === "libcudnn.so.9");
      expect(cudnn?.path, "libcudnn.so.9 found by the search").toBeTruthy();
    },
  );
});

describe("backend selection", () => {
  const script = `
    import * as tf from "@tensorflow/tfjs-core";
    import "./ts/graft_cpu.ts";
    import "./ts/graft_cuda.ts";
    await tf.ready();
    console.log("BACKEND=" + tf.getBackend());
  `;
  const run = (env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: nativeDir,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });

  it.skipIf(gpu)(
    "without a GPU the graft-cuda factory fails with the probe's reason and tfjs falls back",
    () => {
      const r = run();
      expect(r.stdout).toMatch(/BACKEND=(graft-cpu|cpu)/);
      expect(r.stdout + r.stderr).toContain(
        `graft-cuda is unavailable: ${probe.ok ? "" : probe.reason}`,
      );
    },
  );

  it("a missing graft_cuda.node is a reason too", () => {
    const r = run({ GRAFT_CUDA_ADDON_PATH: "/nonexistent/graft_cuda.node" });
    expect(r.stdout).toMatch(/BACKEND=(graft-cpu|cpu)/);
    expect(r.stdout + r.stderr).toContain(
      "graft-cuda is unavailable: graft_cuda.node not found at /nonexistent",
    );
  });

  it.runIf(gpu)("with a GPU graft-cuda is the default backend", () => {
    expect(run().stdout).toContain("BACKEND=graft-cuda");
  });

  it.runIf(requireGpu)("GRAFT_REQUIRE_GPU=1: a GPU must be usable", () => {
    expect(probe.ok ? null : probe.reason).toBeNull();
  });
});

// --- shared helpers ---

function backendOf(name: string): GraftCudaBackend {
  return tf.findBackend(name) as GraftCudaBackend;
}

/**
 * Tolerances of the conformance suite (test/conformance.ts), relative to each output's
 * scale (see relDiff). On the GPU with TF32 (the default), convolutions and matmuls
 * multiply in 10-bit mantissas: 1e-2 (TF32 rounds each input by up to 2^-11, 1/8 of
 * bf16's 2^-8, whose normwise error is measured at 2e-3..1.5e-2 in bf16.test.ts for the
 * same cases). CUDA's logf/expf/tanhf are within 2 ulp: 1e-6. Sums and average pooling
 * accumulate in double in another order: 1e-6. Softmax 1e-5; its gradient, tfjs-core's
 * dy·y − y·sum(dy·y) over that y, 1e-4. The host double runs tfjs-cpu's own arithmetic,
 * and its fallbacks are tfjs-cpu: 0.
 */
const HOST_TOL: Tolerances = {
  conv: 0,
  matmul: 0,
  pool: 0,
  sum: 0,
  math: 0,
  softmax: 0,
  softmaxGrad: 0,
};
const GPU_TF32_TOL: Tolerances = {
  conv: 1e-2,
  matmul: 1e-2,
  pool: 1e-6,
  sum: 1e-6,
  math: 1e-6,
  softmax: 1e-5,
  softmaxGrad: 1e-4,
};

/**
 * The kernels the suite counts that graft-cuda always runs on the GPU for its cases.
 * Not pooling (asymmetric 'same' padding takes the host fallback), nor ReluGrad
 * (graft's Relu gradient is registered by graft-cpu's module, not imported here).
 */
const GPU_NATIVE = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "BatchMatMul",
  "_FusedMatMul",
  "Softmax",
  "Sum",
  "MomentumUpdate",
];

/** graft-cuda's storage, on the double or the GPU: dtypes round-trip, reshape and clone alias. */
function storage(backend: string, enabled = true) {
  (enabled ? describe : describe.skip)(`${backend}: storage`, () => {
    it("bool and int32 tensors round-trip; reshape and identity are aliases", async () => {
      await tf.setBackend(backend);
      const b = backendOf(backend);
      const t = tf.tensor1d([1, 0, 1], "bool");
      expect(Array.from(await t.data())).toEqual([1, 0, 1]);
      expect(Array.from(tf.tensor1d([-3, 7], "int32").dataSync())).toEqual([-3, 7]);
      const before = b.numDataIds();
      const x = tf.ones([2, 3]);
      const r = tf.reshape(x, [3, 2]);
      const c = tf.clone(x);
      expect(b.numDataIds()).toBe(before + 1); // one buffer, three tensors
      expect(b.refCount(x.dataId)).toBe(3);
      tf.dispose([x, r, c, t]);
    });
  });
}

// --- 2. the backend over the host double: runs everywhere ---

conformanceSuite({
  name: HOST,
  backend: HOST,
  tolerances: HOST_TOL,
  exactTies: true, // its max pooling gradient is tfjs-cpu's (a fallback)
  kernels: {
    stats: () => backendOf(HOST).stats,
    // The double imitates Sum and MomentumUpdate; the cuDNN/cuBLAS kernels fall back, counted.
    native: ["Sum", "MomentumUpdate"],
    fallback: HOST_DISABLED,
  },
  hostDownloads: () => backendOf(HOST).hostRoundTrips().downloads,
});
storage(HOST);

const xs = data(24 * 16 * 16 * 3, 21).map((v) => (v + 1) * 127.5);
const labels = Array.from({ length: 24 }, (_, i) => i % 4);

async function train(backend: string, epochs: number, onFirstEpochEnd?: () => void) {
  await tf.setBackend(backend);
  const model = vggShaped();
  model.layers[0]!.trainable = false;
  model.compile({
    optimizer: tf.train.momentum(1e-3, 0.9),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const x = tf.div(tf.tensor4d(xs, [24, 16, 16, 3]), 255);
  const y = tf.oneHot(tf.tensor1d(labels, "int32"), 4);
  const losses: number[] = [];
  const tensors: number[] = [];
  await model.fit(x, y, {
    epochs,
    batchSize: 8,
    shuffle: false,
    validationSplit: 0.25,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        losses.push(logs?.loss as number, logs?.val_loss as number);
        tensors.push(tf.memory().numTensors);
        if (epoch === 0) onFirstEpochEnd?.();
      },
    },
  });
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  return { losses, tensors };
}

describe("graft-cuda over the host double: a training step", () => {
  it("trains like tfjs-cpu (same losses: the fallbacks are tfjs-cpu) with no leaks", async () => {
    const cpu = await train("cpu", 3);
    const host = await train(HOST, 3);
    expect(host.losses).toEqual(cpu.losses);
    expect(host.tensors[2]).toBe(host.tensors[1]);
  }, 300_000);

  it("every training kernel runs on the (double's) device except the cuDNN/cuBLAS ones it does not imitate", async () => {
    let step: GraftCudaBackend["stats"] | null = null;
    await train(HOST, 2, () => {
      backendOf(HOST).resetStats();
    });
    step = structuredClone(backendOf(HOST).stats);
    const fellBack = Object.keys(step.fallback);
    console.log(
      `[graft-cuda host double] second epoch: native ${JSON.stringify(step.native)}; host-fallback ${fellBack.join(", ")}; reads ${JSON.stringify(step.reads)}`,
    );
    expect(fellBack.filter((k) => !HOST_DISABLED.includes(k))).toEqual([]);
    for (const k of ["Add", "Mean", "Sum", "Multiply", "Cast", "Reshape", "Identity", "Relu"]) {
      expect(step.native[k] ?? 0, k).toBeGreaterThan(0);
    }
  }, 300_000);

  it("profiles a step: kernels bracketed by marks, the first read, transfers with their sizes", async () => {
    await tf.setBackend(HOST);
    const b = backendOf(HOST);
    const x = tf.tensor2d(data(64 * 32, 61), [64, 32]);
    b.profileBegin();
    const y = tf.tidy(() => tf.sum(tf.relu(tf.add(x, tf.scalar(0.5)))));
    await y.data();
    const p = b.profileEnd();
    expect(b.profiling).toBeNull();
    expect(p.kernels.Add?.count).toBe(1);
    expect(p.kernels.Relu?.count).toBe(1);
    expect(p.kernels.Sum?.count).toBe(1);
    expect(p.uploads.count).toBe(1); // the scalar 0.5
    expect(p.uploads.largest[0]?.[0]).toBe(4);
    expect(p.read.count).toBe(1);
    expect(p.read.bytes).toBe(4);
    expect(p.enqueueMs).not.toBeNull();
    expect(p.enqueueMs as number).toBeLessThanOrEqual(p.wallMs);
    expect(p.gpuSpanMs).toBeGreaterThanOrEqual(0);
    // Outside a profile nothing is recorded.
    tf.dispose(tf.add(x, 1));
    b.profileBegin();
    const q = b.profileEnd();
    expect(q.kernels).toEqual({});
    expect(q.uploads.count).toBe(0);
    tf.dispose([x, y]);
  });

  it("disposing frees the device buffers; fallbacks are counted with their copies", async () => {
    await tf.setBackend(HOST);
    const b = backendOf(HOST);
    const native = b.native as ReturnType<typeof createHostNative>;
    const live = native.buffers.size;
    tf.tidy(() =>
      tf
        .conv2d(
          tf.ones([1, 4, 4, 1]) as tf.Tensor4D,
          tf.ones([3, 3, 1, 2]) as tf.Tensor4D,
          1,
          "same",
        )
        .dataSync(),
    );
    expect(native.buffers.size).toBe(live);
    const f = b.stats.fallback.Conv2D;
    expect(f?.reasons["disabled (GRAFT_CUDA_DISABLE)"]).toBeGreaterThan(0);
    expect(f?.downloads).toBeGreaterThanOrEqual(2 * (f?.count ?? 0));
    expect(f?.uploads).toBe(f?.count);
    const cosh = b.stats.fallback.Cosh?.count ?? 0;
    tf.tidy(() => tf.cosh(tf.ones([3])).dataSync());
    expect(b.stats.fallback.Cosh?.count).toBe(cosh + 1);
    expect(b.stats.fallback.Cosh?.reasons["no GPU kernel"]).toBeGreaterThan(0);
  });
});

// --- 3. on a GPU ---

const describeGpu = gpu ? describe : describe.skip;
conformanceSuite({
  name: "graft-cuda",
  backend: "graft-cuda",
  skip: gpu ? null : probe.reason,
  tolerances: GPU_TF32_TOL, // TF32 on: see GPU_TF32_TOL
  exactTies: false, // cuDNN may pick another of the tied positions
  kernels: { stats: () => backendOf("graft-cuda").stats, native: GPU_NATIVE },
  hostDownloads: () => backendOf("graft-cuda").hostRoundTrips().downloads,
});
storage("graft-cuda", gpu);

describeGpu("graft-cuda on the GPU", () => {
  it("takes tensors over shared memory (as @graft/data's decoded batches are)", async () => {
    await tf.setBackend("graft-cuda");
    const shared = new Float32Array(new SharedArrayBuffer(6 * 4));
    shared.set([1, -2, 3, -4, 5, -6]);
    const y = tf.relu(tf.tensor2d(shared, [2, 3]));
    expect(Array.from(await y.data())).toEqual([1, 0, 3, 0, 5, 0]);
    y.dispose();
  });

  it("TF32 off: convolutions and matmuls within 1e-4", async () => {
    await tf.setBackend("graft-cuda");
    const b = backendOf("graft-cuda");
    b.native.setOptions({ tf32: false });
    try {
      const [cpu, g] = await onBoth("graft-cuda", () => [
        tf.conv2d(
          rand([2, 12, 12, 64], 31)() as tf.Tensor4D,
          rand([3, 3, 64, 32], 32)() as tf.Tensor4D,
          1,
          "same",
        ),
        tf.matMul(rand([64, 300], 33)(), rand([300, 17], 34)()),
      ]);
      cpu.forEach((c, i) => {
        expect(relDiff(c, g[i] as Values)).toBeLessThanOrEqual(1e-4);
      });
    } finally {
      b.native.setOptions({ tf32: true });
    }
  });

  it("trains like tfjs-cpu: 3 epochs from the same weights, losses within 1e-3 with TF32 off, no leaks", async () => {
    await tf.setBackend("graft-cuda");
    const b = backendOf("graft-cuda");
    b.native.setOptions({ tf32: false });
    try {
      const cpu = await train("cpu", 3);
      const cuda = await train("graft-cuda", 3);
      cuda.losses.forEach((l, i) => {
        expect(
          Math.abs(l - (cpu.losses[i] as number)) / Math.abs(cpu.losses[i] as number),
        ).toBeLessThanOrEqual(1e-3);
      });
      expect(cuda.tensors[2]).toBe(cuda.tensors[1]);
    } finally {
      b.native.setOptions({ tf32: true });
    }
  }, 300_000);

  it("a training step makes zero host round trips (counted), with TF32 on", async () => {
    await train("graft-cuda", 2, () => backendOf("graft-cuda").resetStats());
    const b = backendOf("graft-cuda");
    const trips = b.hostRoundTrips();
    console.log(
      `[graft-cuda] second epoch: native ${JSON.stringify(b.stats.native)}; reads ${JSON.stringify(b.stats.reads)}; ` +
        `native stats ${JSON.stringify(b.native.cudaStats())}`,
    );
    expect(trips).toEqual({ downloads: 0, uploads: 0, kernels: [] });
  }, 300_000);

  it("the fused conv + bias + relu does not read y: right on pool memory poisoned with NaN", async () => {
    await tf.setBackend("graft-cuda");
    const b = backendOf("graft-cuda");
    expect(b.native.cudaStats().fusedZero).toBe(false);
    const x = rand([2, 16, 16, 32], 71);
    const w = rand([3, 3, 32, 48], 72);
    const bias = rand([48], 73);
    const fn = () =>
      tf.fused.conv2d({
        x: x() as tf.Tensor4D,
        filter: w() as tf.Tensor4D,
        bias: bias(),
        strides: 1,
        pad: "same",
        activation: "relu",
      });
    const [cpu] = await valuesOn("cpu", fn);
    await tf.setBackend("graft-cuda");
    for (let i = 0; i < 3; i++) {
      // Same-sized buffers full of NaN, freed just before: the pool hands their memory to y.
      tf.dispose(Array.from({ length: 4 }, () => tf.fill([2, 16, 16, 48], Number.NaN)));
      const y = fn();
      const got = await y.data();
      expect(got.some((v) => Number.isNaN(v))).toBe(false);
      expect(relDiff(cpu as Values, got as Values)).toBeLessThanOrEqual(GPU_TF32_TOL.conv);
      y.dispose();
    }
  });

  it("filters are transposed once per filter tensor and the cache entry goes with the tensor", async () => {
    await tf.setBackend("graft-cuda");
    const b = backendOf("graft-cuda");
    const x = tf.tidy(() => rand([2, 10, 10, 16], 81)());
    const w = tf.tidy(() => rand([3, 3, 16, 24], 82)());
    const s0 = b.native.cudaStats().filterCache;
    const ys = [1, 2, 3].map(() => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"));
    const dx = tf.conv2dTranspose(
      ys[0] as tf.Tensor4D,
      w as tf.Tensor4D,
      [2, 10, 10, 16],
      1,
      "same",
    );
    await dx.data();
    const s1 = b.native.cudaStats().filterCache;
    expect(s1.misses - s0.misses).toBe(1);
    expect(s1.hits - s0.hits).toBe(3);
    expect(s1.entries).toBe(s0.entries + 1);
    const [xv, wv] = [x.dataSync(), w.dataSync()];
    const [cpu] = await valuesOn("cpu", () =>
      tf.conv2d(tf.tensor4d(xv, [2, 10, 10, 16]), tf.tensor4d(wv, [3, 3, 16, 24]), 1, "same"),
    );
    await tf.setBackend("graft-cuda");
    expect(
      relDiff(cpu as Values, (await (ys[2] as tf.Tensor).data()) as Values),
    ).toBeLessThanOrEqual(GPU_TF32_TOL.conv);
    w.dispose();
    expect(b.native.cudaStats().filterCache.entries).toBe(s0.entries);
    tf.dispose([x, dx, ...ys]);
  });

  it("read() resolves without blocking and matches readSync()", async () => {
    await tf.setBackend("graft-cuda");
    const x = tf.tidy(() => tf.matMul(rand([512, 512], 41)(), rand([512, 512], 42)()));
    const pending = x.data();
    let ticked = false;
    setImmediate(() => {
      ticked = true;
    });
    const a = await pending;
    expect(ticked).toBe(true);
    expect(Array.from(a)).toEqual(Array.from(x.dataSync()));
    x.dispose();
  });

  it("errors carry codes: an impossible allocation is ERR_GRAFT_OUT_OF_MEMORY with the size", async () => {
    await tf.setBackend("graft-cuda");
    const b = backendOf("graft-cuda");
    expect(() => b.native.alloc(b.newId(), 2 ** 50)).toThrow(
      expect.objectContaining({ code: "ERR_GRAFT_OUT_OF_MEMORY" }),
    );
  });
});
