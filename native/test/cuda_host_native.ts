/**
 * A CudaNative whose "device" is host memory: the storage calls, and the simple
 * kernels written again in plain TypeScript (the same parameter blocks graft_cuda.node
 * reads). With it, GraftCudaBackend's storage, reference counting, parameter
 * marshalling (broadcast strides, reduction views, strided copies) and counted
 * fallbacks are tested on machines without a GPU. The cuDNN/cuBLAS kernels
 * (convolutions, pooling, softmax, matmul) are not imitated: tests disable them
 * (HOST_DISABLED), so they take the counted host fallback.
 */
import {
  CUDA_BINARY_OPS as B,
  BOUNDARY,
  CUDA_BINARY_ARRAYS,
  CUDA_BINARY_BLOCK,
  CUDA_STRIDED_ARRAYS,
  CUDA_STRIDED_BLOCK,
  CUDA_DTYPES as D,
  CUDA_REDUCE_OPS as R,
  CUDA_TRANSFERS as T,
  CUDA_UNARY_OPS as U,
} from "../ts/common/boundary.ts";
import type { CudaKernels, CudaNative, CudaNativeStats, CudaProbe } from "../ts/cuda/addon.ts";

export const HOST_DISABLED = [
  "Conv2D",
  "FusedConv2D",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "MaxPool",
  "AvgPool",
  "MaxPoolGrad",
  "AvgPoolGrad",
  "Softmax",
  "BatchMatMul",
  "_FusedMatMul",
];

type Arr = Float32Array | Int32Array | Uint8Array;

/** The rank-long arrays after a block's fixed fields: arr(k) is the k-th (src/boundary.h). */
function arrays(p: Int32Array, fixed: object, rank: number): (k: number) => number[] {
  const head = Object.keys(fixed).length;
  return (k) => Array.from(p.subarray(head + k * rank, head + (k + 1) * rank));
}

export function createHostNative(): CudaNative & { buffers: Map<number, Uint8Array> } {
  const buffers = new Map<number, Uint8Array>();
  const stats = {
    uploads: 0,
    downloads: 0,
    asyncDownloads: 0,
    bytesUp: 0,
    bytesDown: 0,
    allocations: 0,
  };
  const get = (id: number) => {
    const b = buffers.get(id);
    if (!b)
      throw Object.assign(new Error(`no device tensor with id ${id}`), {
        code: "ERR_GRAFT_INTERNAL",
      });
    return b;
  };
  const view = (id: number, dtype: number): Arr => {
    const b = get(id);
    return dtype === D.float32
      ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
      : dtype === D.int32
        ? new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4)
        : b;
  };
  const alloc = (id: number, bytes: number) => {
    if (buffers.has(id)) throw new Error(`device tensor id ${id} is already in use`);
    buffers.set(id, new Uint8Array(bytes));
    stats.allocations++;
  };
  const make = (id: number, dtype: number, n: number): Arr => {
    alloc(id, n * (dtype === D.bool ? 1 : 4));
    return view(id, dtype);
  };
  const unary = (op: number, v: number, alpha: number, beta: number): number => {
    switch (op) {
      case U.neg:
        return -v;
      case U.log:
        return Math.log(v);
      case U.square:
        return v * v;
      case U.relu:
        // biome-ignore lint/complexity/useMathMinMax: tfjs keeps -0 and NaN here; Math.max/min would not
        return v < 0 ? 0 : v;
      case U.step:
        return v > 0 ? 1 : Number.isNaN(v) ? v : alpha;
      case U.floor:
        return Math.floor(v);
      case U.exp:
        return Math.exp(v);
      case U.sqrt:
        return Math.sqrt(v);
      case U.abs:
        return Math.abs(v);
      case U.sigmoid:
        return 1 / (1 + Math.exp(-v));
      case U.tanh:
        return Math.tanh(v);
      case U.rsqrt:
        return 1 / Math.sqrt(v);
      case U.reciprocal:
        return 1 / v;
      case U.clip:
        // biome-ignore lint/complexity/useMathMinMax: tfjs keeps -0 and NaN here; Math.max/min would not
        return v > beta ? beta : v < alpha ? alpha : v;
      case U.relu6:
        // biome-ignore lint/complexity/useMathMinMax: tfjs keeps -0 and NaN here; Math.max/min would not
        return v < 0 ? 0 : v > 6 ? 6 : v;
      case U.elu:
        return v < 0 ? Math.exp(v) - 1 : v;
      case U.leakyrelu:
        return v < 0 ? alpha * v : v;
      case U.ceil:
        return Math.ceil(v);
      case U.sign:
        return v > 0 ? 1 : v < 0 ? -1 : 0;
      case U.log1p:
        return Math.log1p(v);
      default:
        throw new Error(`unary op ${op}`);
    }
  };
  const f32 = (v: number) => Math.fround(v);
  const binary = (op: number, a: number, b: number, float: boolean): number => {
    switch (op) {
      case B.add:
        return a + b;
      case B.sub:
        return a - b;
      case B.mul:
        return float ? f32(a) * f32(b) : Math.imul(a, b);
      case B.div:
        return a / b;
      case B.max:
        return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
      case B.min:
        return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
      case B.squaredDiff:
        return (a - b) * (a - b);
      case B.pow:
        return a ** b;
      case B.equal:
        return a === b ? 1 : 0;
      case B.notEqual:
        return a !== b ? 1 : 0;
      case B.greater:
        return a > b ? 1 : 0;
      case B.greaterEqual:
        return a >= b ? 1 : 0;
      case B.less:
        return a < b ? 1 : 0;
      case B.lessEqual:
        return a <= b ? 1 : 0;
      case B.logicalAnd:
        return a && b ? 1 : 0;
      case B.logicalOr:
        return a || b ? 1 : 0;
      case B.reluGrad:
        return a * (b > 0 ? 1 : Number.isNaN(b) ? b : 0);
      default:
        throw new Error(`binary op ${op}`);
    }
  };
  // Walks an index space of `shape`, calling fn(i, coords) in row-major order.
  const offsets = (shape: number[], strides: number[], base: number, n: number): number[] => {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let off = base;
      for (let k = shape.length - 1; k >= 0; k--) {
        const c = rem % (shape[k] as number);
        rem = Math.floor(rem / (shape[k] as number));
        off += c * (strides[k] as number);
      }
      out[i] = off;
    }
    return out;
  };
  const kernels: CudaKernels = {
    conv2d: () => {
      throw new Error("host double: no cuDNN");
    },
    conv2dBackpropInput: () => {
      throw new Error("host double: no cuDNN");
    },
    conv2dBackpropFilter: () => {
      throw new Error("host double: no cuDNN");
    },
    pool2d: () => {
      throw new Error("host double: no cuDNN");
    },
    pool2dGrad: () => {
      throw new Error("host double: no cuDNN");
    },
    softmax: () => {
      throw new Error("host double: no cuDNN");
    },
    matmul: () => {
      throw new Error("host double: no cuBLAS");
    },
    unary(op, x, y, n, alpha, beta) {
      const xv = view(x, D.float32);
      const yv = make(y, D.float32, n);
      for (let i = 0; i < n; i++) yv[i] = unary(op, xv[i] as number, alpha, beta);
    },
    binary(op, dtype, a, b, y, p) {
      const rank = p[CUDA_BINARY_BLOCK.rank] as number;
      const arr = arrays(p, CUDA_BINARY_BLOCK, rank);
      const shape = arr(CUDA_BINARY_ARRAYS.shape);
      const n = shape.reduce((s, d) => s * d, 1);
      const ao = offsets(shape, arr(CUDA_BINARY_ARRAYS.aStrides), 0, n);
      const bo = offsets(shape, arr(CUDA_BINARY_ARRAYS.bStrides), 0, n);
      const av = view(a, dtype);
      const bv = view(b, dtype);
      const outDtype = op >= B.equal && op <= B.logicalOr ? D.bool : dtype;
      const yv = make(y, outDtype, n);
      for (let i = 0; i < n; i++) {
        yv[i] = binary(
          op,
          av[ao[i] as number] as number,
          bv[bo[i] as number] as number,
          dtype === D.float32,
        );
      }
    },
    cast(x, from, y, to, n) {
      const xv = view(x, from);
      const yv = make(y, to, n);
      for (let i = 0; i < n; i++) {
        const v = xv[i] as number;
        yv[i] = to === D.bool ? (v !== 0 ? 1 : 0) : v; // Int32Array stores ToInt32, as tfjs-cpu
      }
    },
    select(c, a, b, y, dtype, n) {
      const cv = view(c, D.bool);
      const av = view(a, dtype);
      const bv = view(b, dtype);
      const yv = make(y, dtype, n);
      for (let i = 0; i < n; i++) yv[i] = (cv[i] ? av[i] : bv[i]) as number;
    },
    fill(y, dtype, n, value) {
      make(y, dtype, n).fill(dtype === D.bool ? (value ? 1 : 0) : value);
    },
    stridedCopy(x, y, dtype, p) {
      const rank = p[CUDA_STRIDED_BLOCK.rank] as number;
      const arr = arrays(p, CUDA_STRIDED_BLOCK, rank);
      const shape = arr(CUDA_STRIDED_ARRAYS.shape);
      const n = shape.reduce((s, d) => s * d, 1);
      const offset = p[CUDA_STRIDED_BLOCK.offset] as number;
      const xo = offsets(shape, arr(CUDA_STRIDED_ARRAYS.inStrides), offset, n);
      const xv = view(x, dtype);
      const yv = make(y, dtype, n);
      for (let i = 0; i < n; i++) yv[i] = xv[xo[i] as number] as number;
    },
    reduce(op, dtype, x, y, outer, r, inner) {
      const xv = view(x, dtype);
      const yv = make(y, dtype, outer * inner);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          const extreme = op === R.max || op === R.min;
          let acc = op === R.prod ? 1 : extreme ? (xv[o * r * inner + i] as number) : 0;
          for (let j = extreme ? 1 : 0; j < r; j++) {
            const v = xv[(o * r + j) * inner + i] as number;
            if (op === R.sum) acc += v;
            else if (op === R.mean) acc += f32(v / r);
            else if (op === R.max) acc = Number.isNaN(v) || v > acc ? v : acc;
            else if (op === R.min) acc = Number.isNaN(v) || v < acc ? v : acc;
            else acc *= v;
          }
          yv[o * inner + i] = acc;
        }
    },
    argReduce(max, dtype, x, y, outer, r, inner) {
      const xv = view(x, dtype);
      const yv = make(y, D.int32, outer * inner);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let best = xv[o * r * inner + i] as number;
          let at = 0;
          for (let j = 1; j < r; j++) {
            const v = xv[(o * r + j) * inner + i] as number;
            if (max ? v > best : v < best) {
              best = v;
              at = j;
            }
          }
          yv[o * inner + i] = at;
        }
    },
    gather(x, indices, y, dtype, outer, axis, nIdx, inner) {
      const xv = view(x, dtype);
      const iv = view(indices, D.int32);
      const yv = make(y, dtype, outer * nIdx * inner);
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < nIdx; j++) {
          const k = iv[j] as number;
          for (let i = 0; i < inner; i++) {
            yv[(o * nIdx + j) * inner + i] =
              k >= 0 && k < axis ? (xv[(o * axis + k) * inner + i] as number) : 0;
          }
        }
    },
    momentumUpdate(value, acc, grad, m, c, newValue, newAcc, n, nesterov) {
      const v = view(value, D.float32);
      const a = view(acc, D.float32);
      const g = view(grad, D.float32);
      const mv = view(m, D.float32)[0] as number;
      const cv = view(c, D.float32)[0] as number;
      const nv = make(newValue, D.float32, n);
      const na = make(newAcc, D.float32, n);
      for (let i = 0; i < n; i++) {
        const ai = f32(f32(mv * (a[i] as number)) + (g[i] as number));
        na[i] = ai;
        const step = nesterov ? f32(cv * f32((g[i] as number) + f32(ai * mv))) : f32(cv * ai);
        nv[i] = step + (v[i] as number);
      }
    },
    oneHot(indices, y, dtype, n, depth, on, off) {
      const iv = view(indices, D.int32);
      const yv = make(y, dtype, n * depth);
      for (let i = 0; i < n * depth; i++)
        yv[i] = iv[Math.floor(i / depth)] === i % depth ? on : off;
    },
  };
  const probe: CudaProbe = {
    cuda: true,
    reason: null,
    device: "host memory (test double)",
    computeCapability: null,
    memory: null,
    multiprocessors: null,
    version: "0.0.0",
    archs: "",
    runtimeVersion: "",
    driverVersion: null,
    cudnnVersion: "",
    cublasVersion: "",
  };
  // Profile mode: transfers timed on the host, and "marks" as host times.
  let profiling = false;
  let transfers: number[] = [];
  let marks: number[] = [];
  const record = (dir: number, bytes: number, t0: number) => {
    if (profiling) transfers.push(dir, bytes, performance.now() - t0);
  };
  return {
    buffers,
    boundary: BOUNDARY,
    probe: () => probe,
    profile(on) {
      profiling = on;
      if (on) transfers = [];
    },
    profileRecords() {
      const t = Float64Array.from(transfers);
      transfers = [];
      return { transfers: t, launches: {} };
    },
    mark() {
      marks.push(performance.now());
      return marks.length - 1;
    },
    marksElapsed() {
      const out = Float64Array.from(marks, (t) => t - (marks[0] as number));
      marks = [];
      return out;
    },
    upload(id, values) {
      const t0 = performance.now();
      record(T.upload, values.byteLength, t0);
      alloc(id, values.byteLength);
      get(id).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      stats.uploads++;
      stats.bytesUp += values.byteLength;
    },
    alloc,
    free: (id) => buffers.delete(id),
    readSync(id, out) {
      const b = get(id);
      if (b.byteLength !== out.byteLength)
        throw new Error(`readSync: ${b.byteLength} != ${out.byteLength} bytes`);
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(b);
      record(T.readSync, b.byteLength, performance.now());
      stats.downloads++;
      stats.bytesDown += b.byteLength;
    },
    async read(id) {
      const b = get(id);
      stats.asyncDownloads++;
      stats.bytesDown += b.byteLength;
      record(T.read, b.byteLength, performance.now());
      return b.slice().buffer;
    },
    copy(src, dst) {
      const b = get(src);
      alloc(dst, b.byteLength);
      get(dst).set(b);
    },
    sync: () => {},
    cudaStats(): CudaNativeStats {
      let bytes = 0;
      for (const b of buffers.values()) bytes += b.byteLength;
      return {
        ...stats,
        tensors: buffers.size,
        bytes,
        peakBytes: bytes,
        poolReservedBytes: bytes,
        poolUsedBytes: bytes,
        tf32: false,
        benchmark: false,
        plans: { conv: 0, convHits: 0, convMisses: 0, matmul: 0, matmulHits: 0, matmulMisses: 0 },
        filterCache: { entries: 0, bytes: 0, hits: 0, misses: 0 },
        filterCacheOn: false,
        fusedZero: false,
        pinnedUpload: false,
      };
    },
    clearCaches: () => {},
    setOptions: () => {},
    trimPool: () => {},
    kernels,
  };
}
