/**
 * Registers the `graft-cuda` tfjs backend (import "@graft/native/graft-cuda").
 * Priority 4 puts it above graft-cpu (3). Its factory probes graft_cuda.node in a
 * child process first (ts/cuda/addon.ts) and fails with the probe's reason where
 * there is no GPU, driver, cuDNN or cuBLAS; tfjs then warns and falls back to the
 * next backend. Every tfjs-cpu kernel without a GPU version is registered as a
 * counted host fallback (GraftCudaBackend.stats), so nothing falls back silently.
 *
 * @module @graft/native/graft-cuda
 */
import "@tensorflow/tfjs-backend-cpu";
import { getKernelsForBackend, registerBackend, registerKernel } from "@tensorflow/tfjs-core";
import { type CudaNative, loadCudaAddon, probeCudaAddon } from "./cuda/addon.ts";
import { GraftCudaBackend } from "./cuda/backend.ts";
import { cudaKernels } from "./cuda/kernels/register_all_kernels.ts";
import { bindKernel, fallbackFunc } from "./cuda/kernels/util.ts";

export type { CudaNative, CudaNativeStats, CudaProbe, CudaProbeResult } from "./cuda/addon.ts";
export { cudaAddonPath, DEFAULT_CUDA_ADDON_PATH, probeCudaAddon } from "./cuda/addon.ts";
export { type CudaKernelStats, GraftCudaBackend } from "./cuda/backend.ts";
export {
  CUDA_LIB_PATH_ENV,
  type CudaLibraries,
  type CudaLibrarySearch,
  cudaSearchFolders,
  describeSearch,
  findCudaLibraries,
} from "./cuda/libraries.ts";

/** The backend's tfjs name: `tf.setBackend(GRAFT_CUDA)`. */
export const GRAFT_CUDA = "graft-cuda";
/** graft-cuda's tfjs registration priority: above graft-cpu (3). */
export const GRAFT_CUDA_PRIORITY = 4;

/** Why graft-cuda cannot run here (the child-process probe's reason), or null when it can. */
export function graftCudaUnavailableReason(
  addonPath = process.env.GRAFT_CUDA_ADDON_PATH,
): string | null {
  const r = probeCudaAddon(addonPath || undefined);
  return r.ok ? null : r.reason;
}

/** GRAFT_CUDA_DISABLE=Conv2D,Add (or "*"): kernels sent to the counted host fallback, for debugging. */
function disabledKernels(): string[] {
  return (process.env.GRAFT_CUDA_DISABLE ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A backend over any CudaNative (the real addon, or a test double). */
export function createGraftCudaBackend(
  native: CudaNative,
  disabled: Iterable<string> = disabledKernels(),
) {
  return new GraftCudaBackend(native, disabled);
}

function createBackend(): GraftCudaBackend {
  const why = graftCudaUnavailableReason();
  if (why) throw new Error(`graft-cuda is unavailable: ${why}`);
  const native = loadCudaAddon(process.env.GRAFT_CUDA_ADDON_PATH || undefined);
  const tf32 = process.env.GRAFT_CUDA_TF32;
  if (
    tf32 !== undefined &&
    tf32 !== "" &&
    !["0", "1", "true", "false", "on", "off"].includes(tf32.toLowerCase())
  ) {
    throw new Error(`Expected 0 or 1 for GRAFT_CUDA_TF32 but received '${tf32}'`);
  }
  return createGraftCudaBackend(native);
}

/**
 * Registers every graft-cuda kernel under `backendName`: the GPU kernels, and each
 * other tfjs-cpu kernel as a counted host fallback. Exported so tests can register
 * the same kernels for a backend over a host-memory CudaNative.
 */
export function registerGraftCudaKernels(backendName: string): void {
  const gpu = new Set(cudaKernels.map((k) => k.kernelName));
  for (const k of getKernelsForBackend("cpu")) {
    if (gpu.has(k.kernelName)) continue;
    registerKernel({
      kernelName: k.kernelName,
      backendName,
      kernelFunc: fallbackFunc(k.kernelName, "no GPU kernel", k.kernelFunc),
    });
  }
  for (const k of cudaKernels) registerKernel(bindKernel(k, backendName));
}

let registered = false;

/** Idempotent; runs on import. Creates nothing and loads nothing until tfjs asks for the backend. */
export function registerGraftCuda(): void {
  if (registered) return;
  registered = true;
  registerBackend(GRAFT_CUDA, createBackend, GRAFT_CUDA_PRIORITY);
  registerGraftCudaKernels(GRAFT_CUDA);
}

registerGraftCuda();
