/**
 * The graft-cuda backend: every tensor lives on the GPU, in graft_cuda.node's
 * stream-ordered pool, named by an integer id (tfjs's DataId is `{id}`). Kernels
 * pass ids and numbers to C++ and return at once; readSync waits for the stream,
 * read() does not block the JS thread. A kernel without a GPU version runs
 * tfjs-cpu's kernel on host copies of its inputs: every such copy is counted per
 * kernel in `stats` (never silent), so `graft backends --stats` can show them.
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import {
  type BackendValues,
  type DataId,
  DataStorage,
  type DataType,
  engine,
  KernelBackend,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { CUDA_TRANSFERS } from "../common/boundary.ts";
import type { CudaKernels, CudaNative } from "./addon.ts";

interface TensorData {
  /** graft_cuda.node's id; -1 for host-only (string) tensors. */
  id: number;
  dtype: DataType;
  /** Elements (the DataId knows no shape; this is what readSync needs). */
  size: number;
  refCount: number;
  /** String tensors stay on the host: the GPU has no use for them. */
  strings?: Uint8Array[];
}

/** Per-kernel counts, for `graft backends --stats` (the same shape as graft-cpu's, plus host copies). */
export interface CudaKernelStats {
  /** Calls that ran on the GPU. */
  native: Record<string, number>;
  /**
   * Calls that ran tfjs-cpu's kernel on host copies: why (reason -> count), and the
   * copies each way. Every entry here is a host round trip a training step should not have.
   */
  fallback: Record<
    string,
    {
      /** How many calls. */
      count: number;
      /** Why, with how many times each (no GPU kernel, GRAFT_CUDA_DISABLE, a dtype, …). */
      reasons: Record<string, number>;
      /** Inputs copied to the host. */
      downloads: number;
      /** Outputs copied back to the device. */
      uploads: number;
      /** Bytes copied to the host. */
      bytesDown: number;
      /** Bytes copied back to the device. */
      bytesUp: number;
    }
  >;
  /** Reads the user (or tfjs, e.g. a loss for logs) asked for: readSync and read. */
  reads: {
    /** `readSync` calls (block until the GPU is done). */
    sync: number;
    /** `read` calls (do not block the JS thread). */
    async: number;
    /** Bytes read back by both. */
    bytes: number;
  };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** One transfer direction over a profiled step. */
export interface CudaTransferProfile {
  count: number;
  bytes: number;
  /** How long the JS thread was held by these calls (a read() is only queued: ~0). */
  blockedMs: number;
  /** The largest few: [bytes, ms]. */
  largest: [number, number][];
}

/** What one step did on graft-cuda (`graft bench --profile`): GraftCudaBackend.profileEnd(). */
export interface CudaStepProfile {
  /** Host clock from profileBegin() to profileEnd() (which waits for the GPU). */
  wallMs: number;
  /** Host clock until the step first asked for values back: the time to enqueue its work. */
  enqueueMs: number | null;
  /** GPU clock from the first to the last mark: the step's span on the device. */
  gpuSpanMs: number;
  /**
   * Per tfjs kernel: calls, and the device time between the events around them (the
   * kernel's GPU time, or longer where the GPU waited for the host to enqueue it).
   */
  kernels: Record<string, { count: number; ms: number }>;
  /** Launches per device kernel / cuDNN / cuBLAS call name. */
  launches: Record<string, number>;
  uploads: CudaTransferProfile;
  readSync: CudaTransferProfile;
  read: CudaTransferProfile;
  /** Bytes the memory pool took from the driver during the step. */
  poolGrowthBytes: number;
  planMisses: { conv: number; matmul: number };
  filterCacheMisses: number;
}

interface ProfileState {
  t0: number;
  firstRead: number | null;
  calls: [string, number, number][];
  pool: number;
  convMisses: number;
  matmulMisses: number;
  filterMisses: number;
}

/**
 * The graft-cuda tfjs backend: tensors on the GPU, kernels in graft_cuda.node, counted host
 * fallbacks for the rest (see the module comment). Register it with `import
 * "@graft/native/graft-cuda"`.
 */
export class GraftCudaBackend extends KernelBackend {
  /** graft_cuda.node. */
  readonly native: CudaNative;
  /** Its GPU kernels (`native.kernels`). */
  readonly kernels: CudaKernels;
  /** tfjs DataId → the device tensor's id, dtype, size and reference count. */
  readonly data: DataStorage<TensorData>;
  /** GPU runs, fallbacks and reads since the start or the last `resetStats()`. */
  readonly stats: CudaKernelStats = {
    native: {},
    fallback: {},
    reads: { sync: 0, async: 0, bytes: 0 },
  };
  /** Kernels forced onto the fallback path (GRAFT_CUDA_DISABLE=Conv2D,Add or "*"). */
  readonly disabled: Set<string>;
  private nextId = 1;
  private cpuBackend?: MathBackendCPU;
  /** Set between profileBegin() and profileEnd(). */
  profiling: ProfileState | null = null;

  constructor(native: CudaNative, disabled: Iterable<string> = []) {
    super();
    this.native = native;
    this.kernels = native.kernels;
    this.data = new DataStorage(this, engine());
    this.disabled = new Set(disabled);
  }

  // --- storage ---

  /** A fresh id for a kernel output; the kernel's native call allocates it. */
  newId(): number {
    return this.nextId++;
  }

  /** graft_cuda.node's id of a tensor (-1 for a host-only string tensor). */
  id(t: TensorInfo | DataId): number {
    const d = this.data.get("dataId" in t ? t.dataId : t);
    return d.id;
  }

  /** Registers a device buffer a kernel already made under `id` (kernels with several outputs). */
  adopt(id: number, shape: number[], dtype: DataType): TensorInfo {
    const dataId = { id };
    this.data.set(dataId, { id, dtype, size: util.sizeFromShape(shape), refCount: 1 });
    return { dataId, shape, dtype };
  }

  /** A kernel's output: registers {id} under a new DataId; `run` makes the device buffer. */
  output(shape: number[], dtype: DataType, run: (id: number) => void): TensorInfo {
    const id = this.newId();
    run(id);
    const dataId = { id };
    this.data.set(dataId, { id, dtype, size: util.sizeFromShape(shape), refCount: 1 });
    return { dataId, shape, dtype };
  }

  private upload(id: number, values: BackendValues, dtype: DataType): void {
    const typed =
      dtype === "float32"
        ? values instanceof Float32Array
          ? values
          : Float32Array.from(values as ArrayLike<number>)
        : dtype === "int32"
          ? values instanceof Int32Array
            ? values
            : Int32Array.from(values as ArrayLike<number>)
          : values instanceof Uint8Array
            ? values
            : Uint8Array.from(values as ArrayLike<number>);
    // Node-API cannot read a SharedArrayBuffer's memory (napi_invalid_arg, "Invalid
    // argument"), and @graft/data decodes batches into shared memory: copy those.
    const own = typed.buffer instanceof SharedArrayBuffer ? typed.slice() : typed;
    this.native.upload(id, own as ArrayBufferView);
  }

  private store(
    dataId: DataId,
    values: BackendValues | null,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ) {
    if (dtype === "complex64") {
      throw new Error(
        "graft-cuda does not support complex64 tensors; use the cpu or graft-cpu backend",
      );
    }
    const size = util.sizeFromShape(shape);
    if (dtype === "string") {
      this.data.set(dataId, {
        id: -1,
        dtype,
        size,
        refCount,
        strings: (values ?? []) as Uint8Array[],
      });
      return;
    }
    const id = this.newId();
    this.upload(id, values ?? new Uint8Array(size * (BYTES[dtype] ?? 4)), dtype);
    this.data.set(dataId, { id, dtype, size, refCount });
  }

  /** tfjs' write: uploads `values` (zeros when null) into a new device tensor. */
  override write(values: BackendValues | null, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.store(dataId, values, shape, dtype, 1);
    return dataId;
  }

  /** tfjs' move: uploads `values` under an existing DataId. */
  override move(
    dataId: DataId,
    values: BackendValues | null,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ) {
    this.store(dataId, values, shape, dtype, refCount);
  }

  private hostArray(d: TensorData): Float32Array | Int32Array | Uint8Array {
    return d.dtype === "float32"
      ? new Float32Array(d.size)
      : d.dtype === "int32"
        ? new Int32Array(d.size)
        : new Uint8Array(d.size);
  }

  /** The tensor's values on the host, without counting (the callers count). */
  private download(dataId: DataId): BackendValues {
    const d = this.data.get(dataId);
    if (d.strings) return d.strings;
    const out = this.hostArray(d);
    this.native.readSync(d.id, out);
    return out;
  }

  /**
   * Copies the tensor to the host, waiting for the kernels queued before it; counted in
   * `stats.reads`.
   */
  override readSync(dataId: DataId): BackendValues {
    if (this.profiling && this.profiling.firstRead === null) this.profiling.firstRead = util.now();
    const values = this.download(dataId);
    this.stats.reads.sync++;
    this.stats.reads.bytes += (values as ArrayBufferView).byteLength ?? 0;
    return values;
  }

  /** Copies the tensor to the host without blocking the JS thread; counted in `stats.reads`. */
  override async read(dataId: DataId): Promise<BackendValues> {
    const d = this.data.get(dataId);
    if (d.strings) return d.strings;
    if (this.profiling && this.profiling.firstRead === null) this.profiling.firstRead = util.now();
    const buffer = await this.native.read(d.id);
    this.stats.reads.async++;
    this.stats.reads.bytes += buffer.byteLength;
    return d.dtype === "float32"
      ? new Float32Array(buffer)
      : d.dtype === "int32"
        ? new Int32Array(buffer)
        : new Uint8Array(buffer);
  }

  /**
   * Drops one reference (all with `force`); at zero the device memory is freed once queued work is
   * done.
   */
  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    if (d.id >= 0) this.native.free(d.id);
    this.data.delete(dataId);
    return true;
  }

  /** References to the tensor; 0 when it is gone. */
  override refCount(dataId: DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  /** Adds a reference (an alias such as Reshape shares the device buffer). */
  override incRef(dataId: DataId): void {
    this.data.get(dataId).refCount++;
  }

  /** Tensors the backend holds. */
  override numDataIds(): number {
    return this.data.numDataIds();
  }

  /**
   * tfjs' memory info from `native.cudaStats()`: live tensor bytes and the pool's reserved and used
   * bytes.
   */
  override memory() {
    const s = this.native.cudaStats();
    return {
      unreliable: false,
      numBytesInGPU: s.bytes,
      numBytesInGPUAllocated: s.poolReservedBytes,
      poolUsedBytes: s.poolUsedBytes,
    } as ReturnType<KernelBackend["memory"]>;
  }

  /** Runs `f` and waits for the GPU: the host time of the whole, not per kernel. */
  override async time(f: () => void) {
    const start = util.now();
    f();
    this.native.sync();
    return {
      /** Host milliseconds from the call until the GPU finished the work `f` queued. */
      kernelMs: util.now() - start,
    };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  /** Waits for all queued GPU work. */
  override dispose(): void {
    this.native.sync();
  }

  // --- counting ---

  /** Counts one GPU run of `kernel` in `stats`. */
  countNative(kernel: string): void {
    this.stats.native[kernel] = (this.stats.native[kernel] ?? 0) + 1;
  }

  /** Zeroes every count (e.g. before measuring one training step). */
  resetStats(): void {
    this.stats.native = {};
    this.stats.fallback = {};
    this.stats.reads = { sync: 0, async: 0, bytes: 0 };
  }

  /** Host copies made by fallbacks since the last resetStats(), over all kernels. */
  hostRoundTrips(): {
    /** Inputs copied to the host. */
    downloads: number;
    /** Outputs copied back to the device. */
    uploads: number;
    /** The kernels that fell back, sorted. */
    kernels: string[];
  } {
    let downloads = 0;
    let uploads = 0;
    for (const f of Object.values(this.stats.fallback)) {
      downloads += f.downloads;
      uploads += f.uploads;
    }
    return { downloads, uploads, kernels: Object.keys(this.stats.fallback).sort() };
  }

  // --- profiling one step ---

  /** Starts profiling a step: every kernel call is bracketed by device events until profileEnd(). */
  profileBegin(): void {
    this.native.profile(true);
    this.native.marksElapsed(); // drop stale marks (waits for the stream: nothing of the step is queued yet)
    const s = this.native.cudaStats();
    this.profiling = {
      t0: util.now(),
      firstRead: null,
      calls: [],
      pool: s.poolReservedBytes,
      convMisses: s.plans.convMisses,
      matmulMisses: s.plans.matmulMisses,
      filterMisses: s.filterCache.misses,
    };
    this.native.mark();
  }

  /** Waits for the GPU and reports the step since profileBegin(). */
  profileEnd(): CudaStepProfile {
    const p = this.profiling;
    if (!p) throw new Error("profileEnd() without profileBegin()");
    const last = this.native.mark();
    const at = this.native.marksElapsed();
    const wallMs = util.now() - p.t0;
    this.profiling = null;
    this.native.profile(false);
    const rec = this.native.profileRecords();
    const s = this.native.cudaStats();
    const kernels: CudaStepProfile["kernels"] = {};
    for (const [name, a, b] of p.calls) {
      const k = kernels[name] ?? { count: 0, ms: 0 };
      kernels[name] = k;
      k.count++;
      k.ms += (at[b] ?? 0) - (at[a] ?? 0);
    }
    const dir = (d: number): CudaTransferProfile => {
      const t: CudaTransferProfile = { count: 0, bytes: 0, blockedMs: 0, largest: [] };
      for (let i = 0; i + 2 < rec.transfers.length; i += 3) {
        if (rec.transfers[i] !== d) continue;
        const bytes = rec.transfers[i + 1] as number;
        const ms = rec.transfers[i + 2] as number;
        t.count++;
        t.bytes += bytes;
        t.blockedMs += ms;
        t.largest.push([bytes, ms]);
      }
      t.largest = t.largest.sort((x, y) => y[0] - x[0]).slice(0, 5);
      return t;
    };
    return {
      wallMs,
      enqueueMs: p.firstRead === null ? null : p.firstRead - p.t0,
      gpuSpanMs: at[last] ?? 0,
      kernels,
      launches: rec.launches,
      uploads: dir(CUDA_TRANSFERS.upload),
      readSync: dir(CUDA_TRANSFERS.readSync),
      read: dir(CUDA_TRANSFERS.read),
      poolGrowthBytes: s.poolReservedBytes - p.pool,
      planMisses: {
        conv: s.plans.convMisses - p.convMisses,
        matmul: s.plans.matmulMisses - p.matmulMisses,
      },
      filterCacheMisses: s.filterCache.misses - p.filterMisses,
    };
  }

  // --- the fallback: tfjs-cpu's kernel on host copies, counted ---

  private cpu(): MathBackendCPU {
    if (!this.cpuBackend) {
      this.cpuBackend = new MathBackendCPU();
      // MathBackendCPU advises installing tfjs-node on first use in Node; not here.
      (this.cpuBackend as unknown as { firstUse: boolean }).firstUse = false;
    }
    return this.cpuBackend;
  }

  /**
   * Runs tfjs-cpu's `kernelFunc` on host copies of `inputs` and uploads its outputs, counting
   * the call, `reason` and every copy in `stats.fallback`.
   */
  runOnCpu(
    kernelName: string,
    kernelFunc: KernelFunc,
    inputs: NamedTensorInfoMap,
    attrs: NamedAttrMap,
    reason: string,
  ): TensorInfo | TensorInfo[] {
    const cpu = this.cpu();
    const f = this.stats.fallback[kernelName] ?? {
      count: 0,
      reasons: {},
      downloads: 0,
      uploads: 0,
      bytesDown: 0,
      bytesUp: 0,
    };
    this.stats.fallback[kernelName] = f;
    f.count++;
    f.reasons[reason] = (f.reasons[reason] ?? 0) + 1;
    const made: TensorInfo[] = [];
    const seen = new Map<DataId, TensorInfo>();
    const toHost = (t: TensorInfo): TensorInfo => {
      let host = seen.get(t.dataId);
      if (!host) {
        const values = this.download(t.dataId);
        f.downloads++;
        f.bytesDown += (values as ArrayBufferView).byteLength ?? 0;
        host = cpu.makeTensorInfo(t.shape, t.dtype, values);
        seen.set(t.dataId, host);
        made.push(host);
      }
      // Some tfjs-cpu kernels read `rank`, which Tensors have and TensorInfos do not.
      return { ...host, shape: t.shape, rank: t.shape.length } as TensorInfo;
    };
    // Kernels take a record of tensors, a record holding lists (RaggedGather), or a list
    // itself (AddN, Concat, Einsum…): each keeps its shape on the host.
    const copy = (t: unknown): unknown =>
      Array.isArray(t) ? t.map(copy) : t ? toHost(t as TensorInfo) : t;
    const hostInputs = (
      Array.isArray(inputs)
        ? (inputs as unknown[]).map(copy)
        : Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, copy(t)]))
    ) as NamedTensorInfoMap;
    const temporaries = new Set<DataId>(made.map((t) => t.dataId));
    try {
      const out = kernelFunc({ inputs: hostInputs, attrs, backend: cpu }) as
        | TensorInfo
        | TensorInfo[];
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map((o) => {
        temporaries.add(o.dataId); // an output may be an input's own buffer (Identity): read before freeing
        const values = cpu.readSync(o.dataId);
        f.uploads++;
        f.bytesUp += (values as ArrayBufferView).byteLength ?? 0;
        return { dataId: this.write(values, o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(out) ? results : (results[0] as TensorInfo);
    } finally {
      for (const id of temporaries) cpu.disposeData(id, true);
    }
  }
}
