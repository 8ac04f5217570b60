/**
 * The one pattern every graft-cuda kernel follows: the GPU implementation returns
 * its output(s), or a string saying why it cannot run this call (a dtype, an
 * attribute, a broadcast it does not handle); then tfjs-cpu's kernel runs on host
 * copies of the inputs, and the copies are counted (GraftCudaBackend.stats).
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { CUDA_DTYPES, CUDA_MAX_RANK } from "../../common/boundary.ts";
import { codeOf } from "../../common/boundary_check.ts";
import type { GraftCudaBackend } from "../backend.ts";

export type CudaImpl = (args: {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: GraftCudaBackend;
}) => TensorInfo | TensorInfo[] | string;

/** A GPU kernel, before it is bound to a backend name (graft-cuda, or a test's). */
export interface CudaKernel {
  kernelName: string;
  impl: CudaImpl;
}

export function cudaKernel(kernelName: string, impl: CudaImpl): CudaKernel {
  return { kernelName, impl };
}

/** tfjs-cpu's kernel for a name, run through the counted host fallback. */
export function fallbackFunc(kernelName: string, reason: string, cpu?: KernelFunc): KernelFunc {
  let func = cpu;
  return (args) => {
    func ??= getKernel(kernelName, "cpu")?.kernelFunc;
    if (!func)
      throw new Error(`graft-cuda: no GPU kernel and no tfjs-cpu kernel for ${kernelName}`);
    return (args.backend as GraftCudaBackend).runOnCpu(
      kernelName,
      func,
      args.inputs,
      args.attrs ?? {},
      reason,
    );
  };
}

export function bindKernel(k: CudaKernel, backendName: string): KernelConfig {
  let cpu: KernelFunc | undefined;
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as GraftCudaBackend;
    const profiling = backend.profiling;
    if (profiling) {
      const m0 = backend.native.mark();
      const out = run(args, backend);
      profiling.calls.push([k.kernelName, m0, backend.native.mark()]);
      return out;
    }
    return run(args, backend);
  };
  const run = (args: Parameters<KernelFunc>[0], backend: GraftCudaBackend) => {
    const disabled = backend.disabled.has("*") || backend.disabled.has(k.kernelName);
    const r = disabled
      ? "disabled (GRAFT_CUDA_DISABLE)"
      : k.impl({ inputs: args.inputs, attrs: args.attrs ?? {}, backend });
    if (typeof r !== "string") {
      backend.countNative(k.kernelName);
      return r;
    }
    cpu ??= getKernel(k.kernelName, "cpu")?.kernelFunc;
    if (!cpu)
      throw new Error(
        `graft-cuda: no GPU support (${r}) and no tfjs-cpu kernel for ${k.kernelName}`,
      );
    return backend.runOnCpu(k.kernelName, cpu, args.inputs, args.attrs ?? {}, r);
  };
  return { kernelName: k.kernelName, backendName, kernelFunc };
}

/** The device dtype code, or null for dtypes the GPU kernels do not hold (string, complex64). */
export function dtypeCode(dtype: string): number | null {
  return codeOf(CUDA_DTYPES, dtype) ?? null;
}

/** Row-major element strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

/** graft_cuda.node's blocks take rank <= CUDA_MAX_RANK (src/boundary.h) and int32 offsets. */
export const MAX_RANK = CUDA_MAX_RANK;
export const MAX_ELEMENTS = 2 ** 31 - 1;
