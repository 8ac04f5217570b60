/**
 * Registers the `graft-cpu` tfjs backend (import "@graft/native/graft-cpu").
 * Priority 3 puts it above `cpu` (1) and `wasm` (2). Its factory fails, with
 * the reason, where graft.node is missing or built without oneDNN; tfjs then
 * warns and falls back to the next backend.
 *
 * @module @graft/native/graft-cpu
 */
import "@tensorflow/tfjs-backend-cpu";
import {
  getKernelsForBackend,
  registerBackend,
  registerGradient,
  registerKernel,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { GraftCpuBackend } from "./cpu/backend.ts";
import { setConvAlgorithm, setMath } from "./cpu/cpu_math.ts";
import { clipByValueGradientConfig } from "./cpu/kernels/ClipByValueGrad.ts";
import { reluGradientConfig } from "./cpu/kernels/ReluGrad.ts";
import { cpuKernels } from "./cpu/kernels/register_all_kernels.ts";
import { BACKEND_NAME } from "./cpu/kernels/util.ts";
import { addonStatus, type CpuConvAlgorithm, type CpuMath, loadAddon } from "./index.ts";

export { GraftCpuBackend, type KernelStats } from "./cpu/backend.ts";
export {
  CPU_CONV_ENV,
  CPU_MATH_ENV,
  type CpuEnv,
  effectiveMath,
  readCpuEnv,
} from "./cpu/cpu_math.ts";
export type { CpuConvAlgorithm, CpuMath } from "./index.ts";
export { BACKEND_NAME as GRAFT_CPU };
/** graft-cpu's tfjs registration priority: above cpu (1) and wasm (2), below graft-cuda (4). */
export const GRAFT_CPU_PRIORITY = 3;

/** Why graft-cpu cannot run here, or null when it can. */
export function graftCpuUnavailableReason(addonPath?: string): string | null {
  const status = addonStatus(addonPath || undefined);
  if (!status.loaded) return status.reasons.join("; ");
  const caps = loadAddon(addonPath || undefined).capabilities();
  if (!caps.onednn)
    return `graft.node was built without oneDNN: ${caps.onednnReason ?? "unknown reason"}`;
  return null;
}

function createBackend(): GraftCpuBackend {
  const why = graftCpuUnavailableReason();
  if (why) throw new Error(`graft-cpu is unavailable: ${why}`);
  return new GraftCpuBackend(loadAddon().cpu);
}

/**
 * The arithmetic of graft-cpu's convolutions and matmuls from now on (process-wide):
 * "bf16" rounds their inputs to bfloat16 inside the kernel and sums in fp32 (tensors
 * stay float32); "fp32", the default, is exact float32 as before. `GRAFT_CPU_MATH`
 * sets it when the backend is created. Where the CPU has no native bf16 (AVX512_BF16
 * or AMX), "bf16" throws an Error with code ERR_GRAFT_UNAVAILABLE and fp32 stays.
 */
export function setCpuMath(math: CpuMath): void {
  setMath(loadAddon().cpu, math);
}

/** The arithmetic graft-cpu's convolutions and matmuls use now (see `setCpuMath`). */
export function cpuMath(): CpuMath {
  return loadAddon().cpu.cpuStats().math;
}

/**
 * How graft-cpu's fp32 convolutions pick their algorithm from now on (process-wide):
 * "auto" (the default) runs Winograd F(4x4, 3x3) on 3x3 stride-1 layers with at least
 * 64 channels in and out, about twice as fast as direct there, with a normwise error
 * near 1e-6; "direct" never does; "winograd" does wherever oneDNN can. `GRAFT_CPU_CONV`
 * sets it when the backend is created.
 */
export function setCpuConvAlgorithm(algorithm: CpuConvAlgorithm): void {
  setConvAlgorithm(loadAddon().cpu, algorithm);
}

/** The convolution algorithm setting graft-cpu uses now (see `setCpuConvAlgorithm`). */
export function cpuConvAlgorithm(): CpuConvAlgorithm {
  return loadAddon().cpu.cpuStats().convAlgorithm;
}

let registered = false;

/** Idempotent; runs on import. */
export function registerGraftCpu(): void {
  if (registered) return;
  registered = true;
  registerBackend(BACKEND_NAME, createBackend, GRAFT_CPU_PRIORITY);
  const native = new Set(cpuKernels.map((k) => k.kernelName));
  for (const k of getKernelsForBackend("cpu")) {
    if (native.has(k.kernelName)) continue;
    const run = k.kernelFunc;
    registerKernel({
      ...k,
      backendName: BACKEND_NAME,
      kernelFunc: (args) => {
        const out = run(args) as TensorInfo | TensorInfo[];
        (args.backend as GraftCpuBackend).noteAliases(args.inputs, out);
        return out;
      },
    });
  }
  for (const k of cpuKernels) registerKernel(k);
  registerGradient(reluGradientConfig);
  registerGradient(clipByValueGradientConfig);
}

registerGraftCpu();
