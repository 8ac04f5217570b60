import type * as tfc from "@tensorflow/tfjs-core";

/** Wall time spent in one kernel over the profiled steps. */
export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export interface KernelProfiler {
  /** Forget what was timed so far (e.g. after the warm-up step). */
  reset(): void;
  /** Kernels by total time, longest first. Times are inclusive of nested kernels. */
  report(): KernelTime[];
  /** Put the original kernel functions back. */
  stop(): void;
}

/**
 * Times every kernel registered for `backend` by wrapping its kernelFunc in the
 * registry. Kernels of graft-cpu and cpu run synchronously, so the wall time
 * around the call is the kernel's time; for a GPU backend it is only the launch.
 * A kernel that runs another kernel (a CPU fallback calling its own ops) is
 * counted in both: the table is for finding hot spots, not for adding up.
 */
export function profileKernels(tf: typeof tfc, backend: string): KernelProfiler {
  const times = new Map<string, KernelTime>();
  const originals: Array<[tfc.KernelConfig, tfc.KernelFunc]> = [];
  for (const config of tf.getKernelsForBackend(backend)) {
    const fn = config.kernelFunc;
    originals.push([config, fn]);
    const name = config.kernelName;
    // The registry hands back its own config objects; swapping kernelFunc is what
    // engine.runKernel will call from now on.
    (config as { kernelFunc: tfc.KernelFunc }).kernelFunc = (args) => {
      const t0 = performance.now();
      try {
        return fn(args);
      } finally {
        const t = times.get(name) ?? { kernel: name, calls: 0, ms: 0 };
        t.calls++;
        t.ms += performance.now() - t0;
        times.set(name, t);
      }
    };
  }
  return {
    reset: () => times.clear(),
    report: () => [...times.values()].sort((a, b) => b.ms - a.ms),
    stop: () => {
      for (const [config, fn] of originals) {
        (config as { kernelFunc: tfc.KernelFunc }).kernelFunc = fn;
      }
    },
  };
}

/** A plain table of a profile, per step, with the share of the step's time. */
export function formatProfile(rows: KernelTime[], steps: number, stepMs: number): string {
  const line = (name: string, calls: string, ms: number) =>
    `${name.padEnd(28)}${calls.padStart(10)}${ms.toFixed(1).padStart(10)}${((100 * ms) / stepMs).toFixed(1).padStart(7)}%`;
  const lines = [`kernel                      calls/step   ms/step   share`];
  let total = 0;
  for (const r of rows) {
    total += r.ms;
    lines.push(line(r.kernel, (r.calls / steps).toFixed(0), r.ms / steps));
  }
  lines.push(line("(outside kernels)", "", stepMs - total / steps));
  return lines.join("\n");
}

/** The parts of graft-cuda's CudaStepProfile the summary reads (the CLI names no backend type). */
interface DeviceStep {
  wallMs: number;
  enqueueMs: number | null;
  gpuSpanMs: number;
  kernels: Record<string, { count: number; ms: number }>;
  launches: Record<string, number>;
  uploads: { count: number; bytes: number; blockedMs: number };
  readSync: { count: number; bytes: number; blockedMs: number };
  read: { count: number; bytes: number };
  poolGrowthBytes: number;
  planMisses: { conv: number; matmul: number };
  filterCacheMisses: number;
}

/** Per-step means of a device profile (`graft bench --profile` on graft-cuda), as one object. */
export function summarizeDeviceProfile(steps: unknown[]) {
  const s = steps as DeviceStep[];
  const n = Math.max(1, s.length);
  const mean = (f: (p: DeviceStep) => number) => s.reduce((a, p) => a + f(p), 0) / n;
  const kernels = new Map<string, { count: number; ms: number }>();
  const launches = new Map<string, number>();
  for (const p of s) {
    for (const [k, v] of Object.entries(p.kernels)) {
      const e = kernels.get(k) ?? { count: 0, ms: 0 };
      e.count += v.count / n;
      e.ms += v.ms / n;
      kernels.set(k, e);
    }
    for (const [k, v] of Object.entries(p.launches))
      launches.set(k, (launches.get(k) ?? 0) + v / n);
  }
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return {
    steps: s.length,
    wallMs: r2(mean((p) => p.wallMs)),
    enqueueMs: r2(mean((p) => p.enqueueMs ?? p.wallMs)),
    gpuSpanMs: r2(mean((p) => p.gpuSpanMs)),
    launchesPerStep: r2([...launches.values()].reduce((a, b) => a + b, 0)),
    uploadsPerStep: r2(mean((p) => p.uploads.count)),
    uploadBytesPerStep: Math.round(mean((p) => p.uploads.bytes)),
    uploadBlockedMs: r2(mean((p) => p.uploads.blockedMs)),
    readSyncPerStep: r2(mean((p) => p.readSync.count)),
    readSyncBlockedMs: r2(mean((p) => p.readSync.blockedMs)),
    readsPerStep: r2(mean((p) => p.read.count)),
    poolGrowthBytes: s.map((p) => p.poolGrowthBytes),
    planMisses: s.map((p) => p.planMisses.conv + p.planMisses.matmul),
    filterCacheMisses: r2(mean((p) => p.filterCacheMisses)),
    kernels: Object.fromEntries(
      [...kernels.entries()]
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([k, v]) => [k, { count: r2(v.count), ms: r2(v.ms) }]),
    ),
    launches: Object.fromEntries(
      [...launches.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, r2(v)]),
    ),
  };
}

/** The device profile as lines for the terminal. */
export function formatDeviceProfile(steps: unknown[]): string {
  const p = summarizeDeviceProfile(steps);
  const lines = [
    `per step (mean of ${p.steps}): wall ${p.wallMs} ms, enqueue ${p.enqueueMs} ms (host time until the step first waited), GPU span ${p.gpuSpanMs} ms`,
    `  ${p.launchesPerStep} launches; uploads ${p.uploadsPerStep} (${p.uploadBytesPerStep} B, held the JS thread ${p.uploadBlockedMs} ms); readSync ${p.readSyncPerStep} (${p.readSyncBlockedMs} ms); read ${p.readsPerStep}`,
    `  pool growth per step ${JSON.stringify(p.poolGrowthBytes)} B; plan misses ${JSON.stringify(p.planMisses)}; filter transposes ${p.filterCacheMisses}`,
    "  device time per kernel (ms per step, calls):",
    ...Object.entries(p.kernels)
      .slice(0, 15)
      .map(([k, v]) => `    ${k.padEnd(24)} ${v.ms.toFixed(2).padStart(8)}  ${v.count}`),
    "  launches per step:",
    ...Object.entries(p.launches)
      .slice(0, 15)
      .map(([k, v]) => `    ${k.padEnd(40)} ${v}`),
  ];
  return lines.join("\n");
}
