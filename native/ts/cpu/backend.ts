/**
 * The graft-cpu backend: tensors live in JS TypedArrays exactly as in
 * tfjs-backend-cpu (this class *is* a MathBackendCPU), so every kernel without
 * a native version runs tfjs-cpu's implementation at zero copy, while the hot
 * kernels hand those same buffers to oneDNN through graft.node.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";
import { sizeOf } from "../common/shape.ts";
import type { CpuKernels } from "../index.ts";
import { BufferPool, POOL_MIN_BYTES } from "./buffer_pool.ts";
import { applyCpuEnv, type CpuEnv, readCpuEnv } from "./cpu_math.ts";

/** Per-kernel counts of native runs and of fallbacks to tfjs-cpu, for `graft backends --stats`. */
export interface KernelStats {
  /** Kernel name → calls that ran natively. */
  native: Record<string, number>;
  /** Kernel name → calls that ran tfjs-cpu's version instead. */
  fallback: Record<
    string,
    {
      /** How many. */
      count: number;
      /** Why, with how many times each (an unsupported dtype, attribute, …). */
      reasons: Record<string, number>;
    }
  >;
}

/**
 * The graft-cpu tfjs backend: tfjs-cpu's tensors and kernels, with the hot kernels run by
 * graft.node
 * (see the module comment). Register it with `import "@graft/native/graft-cpu"`.
 */
export class GraftCpuBackend extends MathBackendCPU {
  /** graft.node's CPU kernels. */
  readonly native: CpuKernels;
  /** Native runs and fallbacks per kernel since the backend started. */
  readonly stats: KernelStats = { native: {}, fallback: {} };
  /** Recycles the Float32Arrays of disposed outputs for new ones (capped by GRAFT_POOL_MB). */
  readonly pool: BufferPool;

  /** `env` (default: `readCpuEnv()`, which throws on an invalid variable) is applied to the addon. */
  constructor(native: CpuKernels, env: CpuEnv = readCpuEnv()) {
    super();
    this.native = native;
    this.pool = new BufferPool(env.poolBytes);
    // MathBackendCPU advises installing tfjs-node on its first write in Node; graft is the native path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    applyCpuEnv(native, env);
  }

  /**
   * True when every given tensor is float32 *and* stored as a Float32Array:
   * tfjs-cpu's Cast from int32 or bool to float32 keeps the integer storage.
   */
  allF32(...ts: (TensorInfo | null | undefined)[]): boolean {
    return ts.every(
      (t) =>
        t == null ||
        (t.dtype === "float32" && this.data.get(t.dataId).values instanceof Float32Array),
    );
  }

  /** The Float32Array behind a tensor (the same buffer tfjs-cpu kernels see). */
  f32(t: TensorInfo): Float32Array {
    return this.data.get(t.dataId).values as Float32Array;
  }

  /** A fresh output tensor whose buffer native code fills. */
  output(
    shape: number[],
    dtype: DataType = "float32",
  ): {
    /** The tensor to return from the kernel. */
    info: TensorInfo;
    /** Its buffer, for native code to fill (possibly recycled: old contents, not zeros). */
    values: Float32Array;
  } {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = this.pool.take(size);
    return { info: this.makeTensorInfo(shape, dtype, values), values };
  }

  /**
   * The key under which graft.node may keep a filter reordered into oneDNN's
   * layout: the tensor's data id, released in disposeData. The addon only
   * caches a key it sees twice, so training (new filters every step) caches nothing.
   */
  weightsKey(t: TensorInfo): number {
    const id = (t.dataId as { id?: unknown }).id;
    // A negative key caches nothing (a data id some other code made, with no numeric id).
    if (typeof id !== "number") return -1;
    this.weightKeys.add(id);
    return id;
  }

  /** The keys handed to graft.node as weightsKey: only these can hold a cache entry to release. */
  private readonly weightKeys = new Set<number>();

  override disposeData(dataId: object, force?: boolean): boolean {
    const values = this.data.has(dataId as never)
      ? this.data.get(dataId as never).values
      : undefined;
    const freed = super.disposeData(dataId as never, force);
    if (freed) {
      // Kernels registered by users may make data ids of their own, without a numeric id.
      // Only a key graft.node was given can hold an entry: no native call for the rest.
      const id = (dataId as { id?: unknown }).id;
      if (typeof id === "number" && this.weightKeys.delete(id)) this.native.releaseWeights(id);
      if (values !== undefined) this.pool.give(values);
    }
    return freed;
  }

  /** tfjs-cpu's readSync; the buffer then belongs to the caller, so the pool never recycles it. */
  override readSync(dataId: object) {
    const values = super.readSync(dataId as never);
    this.pool.pin(values);
    return values;
  }

  /** tfjs-cpu's read; the buffer then belongs to the caller, so the pool never recycles it. */
  override async read(dataId: object) {
    const values = await super.read(dataId as never);
    this.pool.pin(values);
    return values;
  }

  /**
   * After a tfjs-cpu kernel: an output that shares an input's buffer under
   * another data id (a view, or the same array) pins that buffer.
   */
  noteAliases(
    inputs: Record<string, TensorInfo | undefined>,
    out: TensorInfo | TensorInfo[],
  ): void {
    // Only a buffer the pool allocated can be recycled under a live view, so only inputs
    // whose values the pool owns need a look (every small tensor's do not): this runs after
    // every tfjs-cpu kernel, so it allocates nothing. An input may be a list of tensors
    // (RaggedGather's paramsNestedSplits, Concat's…).
    for (const key in inputs) {
      const input = inputs[key] as TensorInfo | TensorInfo[] | undefined;
      if (Array.isArray(input)) for (const i of input) this.pinIfShared(i, out);
      else this.pinIfShared(input, out);
    }
  }

  // has() first: get() of an id this backend does not hold would move data between backends.
  private valuesOf(t: TensorInfo | undefined): unknown {
    return t?.dataId && this.data.has(t.dataId as never)
      ? this.data.get(t.dataId as never).values
      : undefined;
  }

  private pinIfShared(input: TensorInfo | undefined, out: TensorInfo | TensorInfo[]): void {
    // The pool owns only arrays of POOL_MIN_BYTES or more, each the whole of one tensor's values.
    if (input === undefined || sizeOf(input.shape) * 4 < POOL_MIN_BYTES) return;
    const iv = this.valuesOf(input);
    if (!this.pool.owns(iv)) return;
    const buffer = (iv as Float32Array).buffer;
    for (const o of Array.isArray(out) ? out : [out]) {
      if (o.dataId === input?.dataId) continue;
      const ov = this.valuesOf(o);
      if (ArrayBuffer.isView(ov) && ov.buffer === buffer) this.pool.pin(ov);
    }
  }

  /** Counts one native run of `kernel` in `stats`. */
  countNative(kernel: string): void {
    this.stats.native[kernel] = (this.stats.native[kernel] ?? 0) + 1;
  }

  /** Counts one run of `kernel` that fell back to tfjs-cpu, and why, in `stats`. */
  countFallback(kernel: string, reason: string): void {
    const f = this.stats.fallback[kernel] ?? { count: 0, reasons: {} };
    this.stats.fallback[kernel] = f;
    f.count++;
    f.reasons[reason] = (f.reasons[reason] ?? 0) + 1;
  }

  /**
   * tfjs' memory info plus `nativeBytes` (the addon's caches) and `pooledBytes` (free pooled
   * buffers).
   */
  override memory() {
    const s = this.native.cpuStats();
    return {
      unreliable: true,
      reasons: [
        "graft-cpu keeps tensors in JS TypedArrays; numBytes counts those, nativeBytes the addon's caches",
      ],
      nativeBytes: s.bytes,
      pooledBytes: this.pool.bytes,
    } as ReturnType<MathBackendCPU["memory"]>;
  }
}
