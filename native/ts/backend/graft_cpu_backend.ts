/**
 * The graft-cpu backend: tensors live in JS TypedArrays exactly as in
 * tfjs-backend-cpu (this class *is* a MathBackendCPU), so every kernel without
 * a native version runs tfjs-cpu's implementation at zero copy, while the hot
 * kernels hand those same buffers to oneDNN through graft.node.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";
import type { CpuKernels } from "../index.ts";

/** Per-kernel counts of native runs and of fallbacks to tfjs-cpu, for `graft backends --stats`. */
export interface KernelStats {
  native: Record<string, number>;
  fallback: Record<string, { count: number; reasons: Record<string, number> }>;
}

export class GraftCpuBackend extends MathBackendCPU {
  readonly native: CpuKernels;
  readonly stats: KernelStats = { native: {}, fallback: {} };

  constructor(native: CpuKernels) {
    super();
    this.native = native;
    // MathBackendCPU advises installing tfjs-node on its first write in Node; graft is the native path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /**
   * True when every given tensor is float32 *and* stored as a Float32Array:
   * tfjs-cpu's Cast from int32 or bool to float32 keeps the integer storage.
   */
  allF32(...ts: (TensorInfo | null | undefined)[]): boolean {
    return ts.every((t) => t == null || (t.dtype === "float32" && this.data.get(t.dataId).values instanceof Float32Array));
  }

  /** The Float32Array behind a tensor (the same buffer tfjs-cpu kernels see). */
  f32(t: TensorInfo): Float32Array {
    return this.data.get(t.dataId).values as Float32Array;
  }

  /** A fresh output tensor whose buffer native code fills. */
  output(shape: number[], dtype: DataType = "float32"): { info: TensorInfo; values: Float32Array } {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    return { info: this.makeTensorInfo(shape, dtype, values), values };
  }

  countNative(kernel: string): void {
    this.stats.native[kernel] = (this.stats.native[kernel] ?? 0) + 1;
  }

  countFallback(kernel: string, reason: string): void {
    const f = this.stats.fallback[kernel] ?? { count: 0, reasons: {} };
    this.stats.fallback[kernel] = f;
    f.count++;
    f.reasons[reason] = (f.reasons[reason] ?? 0) + 1;
  }

  override memory() {
    const s = this.native.cpuStats();
    return {
      unreliable: true,
      reasons: [
        "graft-cpu keeps tensors in JS TypedArrays; numBytes counts those, nativeBytes the addon's caches",
      ],
      nativeBytes: s.bytes,
    } as ReturnType<MathBackendCPU["memory"]>;
  }
}
