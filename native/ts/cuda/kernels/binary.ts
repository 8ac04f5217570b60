import {
  type BinaryInputs,
  broadcast_util,
  type DataType,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { CUDA_BINARY_ARRAYS, CUDA_BINARY_BLOCK, CUDA_BINARY_OPS } from "../../common/boundary.ts";
import { packBlock } from "../../common/boundary_check.ts";
import { type Req, sizeOf } from "../../common/shape.ts";
import {
  type CudaKernel,
  cudaKernel,
  dtypeCode,
  MAX_ELEMENTS,
  MAX_RANK,
  stridesOf,
} from "./util.ts";

/**
 * The CUDA_BINARY_BLOCK (rank, then shape, aStrides, bStrides) of graft_cuda.node's binary kernel, with
 * dimensions of 1 dropped and neighbours merged where both inputs are contiguous
 * across them (same shapes collapse to rank 1, a bias add to rank 2), or null past rank 6.
 */
export function broadcastParams(
  a: readonly number[],
  b: readonly number[],
  out: readonly number[],
): Int32Array | null {
  const rank = out.length;
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = pad(a);
  const bs = pad(b);
  const aStr = stridesOf(as).map((v, i) => (as[i] === 1 ? 0 : v));
  const bStr = stridesOf(bs).map((v, i) => (bs[i] === 1 ? 0 : v));
  const dims: { n: number; sa: number; sb: number }[] = [];
  for (let i = 0; i < rank; i++) {
    const n = out[i] as number;
    if (n === 1) continue;
    const d = { n, sa: aStr[i] as number, sb: bStr[i] as number };
    const last = dims[dims.length - 1];
    if (last && last.sa === d.sa * n && last.sb === d.sb * n) {
      last.n *= n;
      last.sa = d.sa;
      last.sb = d.sb;
    } else {
      dims.push(d);
    }
  }
  if (dims.length > MAX_RANK) return null;
  return packBlock(
    CUDA_BINARY_BLOCK,
    { rank: dims.length },
    CUDA_BINARY_ARRAYS,
    {
      shape: dims.map((d) => d.n),
      aStrides: dims.map((d) => d.sa),
      bStrides: dims.map((d) => d.sb),
    },
    dims.length,
  );
}

const COMPARISONS = new Set(["equal", "notEqual", "greater", "greaterEqual", "less", "lessEqual"]);
const LOGICAL = new Set(["logicalAnd", "logicalOr"]);
const FLOAT_ONLY = new Set(["div", "pow", "reluGrad"]);

/** a op b with numpy broadcasting; `inputs` names the two inputs (a, b by default). */
export function binaryKernel(
  kernelName: string,
  op: keyof typeof CUDA_BINARY_OPS,
  names: [string, string] = ["a", "b"],
): CudaKernel {
  return cudaKernel(kernelName, ({ inputs, backend }) => {
    const a = inputs[names[0]] as TensorInfo;
    const b = inputs[names[1]] as TensorInfo;
    if (a.dtype !== b.dtype) return "mixed dtypes";
    const code = dtypeCode(a.dtype);
    if (code === null) return "dtype";
    if (LOGICAL.has(op) ? a.dtype !== "bool" : a.dtype === "bool" && !COMPARISONS.has(op))
      return "dtype";
    if (FLOAT_ONLY.has(op) && a.dtype !== "float32") return "dtype";
    let out: number[];
    try {
      out = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return "shapes do not broadcast"; // tfjs-cpu raises its own error
    }
    if (sizeOf(out) > MAX_ELEMENTS) return "too large";
    const p = broadcastParams(a.shape, b.shape, out);
    if (p === null) return "broadcast rank > 6";
    const outDtype: DataType = COMPARISONS.has(op) || LOGICAL.has(op) ? "bool" : a.dtype;
    return backend.output(out, outDtype, (y) =>
      backend.kernels.binary(CUDA_BINARY_OPS[op], code, backend.id(a), backend.id(b), y, p),
    );
  });
}

export type { BinaryInputs, Req };
