/**
 * The one pattern every native kernel follows: try the native implementation;
 * when it returns a reason instead of a result (an attribute, dtype or
 * broadcast it does not handle), run tfjs-cpu's own kernel on the same
 * buffers and count the fallback.
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { GraftCpuBackend } from "../backend.ts";

/** graft-cpu's tfjs name (exported as `GRAFT_CPU`): `tf.setBackend(GRAFT_CPU)`. */
export const BACKEND_NAME = "graft-cpu";

/** A native kernel returns its output(s), or a string saying why it cannot run natively. */
export type NativeImpl = (args: {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: GraftCpuBackend;
}) => TensorInfo | TensorInfo[] | string;

export function nativeKernel(kernelName: string, impl: NativeImpl): KernelConfig {
  let cpu: KernelFunc | undefined;
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as GraftCpuBackend;
    const r = impl({ inputs: args.inputs, attrs: args.attrs ?? {}, backend });
    if (typeof r !== "string") {
      backend.countNative(kernelName);
      return r;
    }
    cpu ??= getKernel(kernelName, "cpu")?.kernelFunc;
    if (!cpu)
      throw new Error(
        `graft-cpu: no native support (${r}) and no tfjs-cpu kernel for ${kernelName}`,
      );
    backend.countFallback(kernelName, r);
    const out = cpu(args) as TensorInfo | TensorInfo[];
    backend.noteAliases(args.inputs, out);
    return out;
  };
  return { kernelName, backendName: BACKEND_NAME, kernelFunc };
}

/**
 * Below this many elements an elementwise kernel (Add, Sub, Multiply, RealDiv, Relu, Step)
 * runs tfjs-cpu's JavaScript, which gives the same bits and is faster than a call into
 * graft.node there (README "tfjs-core's own suite": a 4-element Add 1.5 µs in JS against
 * 2.9 µs native, even at 256, native ahead from 1,024).
 */
export const NATIVE_MIN_ELEMENTS = 256;

let smallOpsNative = false;

/**
 * Runs the tiny calls natively too (NATIVE_MIN_ELEMENTS, NATIVE_MIN_CONV_MACS and
 * NATIVE_MIN_MATMUL_MACS ignored): for
 * tests of the native kernels themselves, which use small shapes. Returns the old setting.
 */
export function setSmallOpsNative(on: boolean): boolean {
  const was = smallOpsNative;
  smallOpsNative = on;
  return was;
}

/** Whether a call below a size threshold should run tfjs-cpu's JavaScript (the default). */
export function smallOpsFallBack(): boolean {
  return !smallOpsNative;
}

/**
 * The fallback reason counted for calls under a size limit, as one string made once per
 * kernel family (it keys `stats.fallback`, so it must not be rebuilt per call).
 */
export function smallReasonFor(limit: number, unit: "elements" | "multiply-adds"): string {
  return `small (< ${limit} ${unit}: tfjs-cpu's JavaScript is faster)`;
}

/** The fallback reason counted for an elementwise call under NATIVE_MIN_ELEMENTS. */
export const SMALL_REASON = smallReasonFor(NATIVE_MIN_ELEMENTS, "elements");

/** The fallback reason for an elementwise call too small to be worth the native call, or null. */
export function smallReason(elements: number): string | null {
  return smallOpsFallBack() && elements < NATIVE_MIN_ELEMENTS ? SMALL_REASON : null;
}
