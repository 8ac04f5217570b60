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
