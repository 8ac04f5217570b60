import { type TensorInfo, util } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import type { GraftCudaBackend } from "../backend.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

/** ArgMax / ArgMin over one axis: int32 indices, the first extreme wins (tfjs-cpu). */
export function argKernel(kernelName: string, max: boolean) {
  return cudaKernel(kernelName, ({ inputs, attrs, backend }) =>
    argReduce(backend, inputs.x as TensorInfo, attrs.axis as number, max),
  );
}

function argReduce(
  backend: GraftCudaBackend,
  x: TensorInfo,
  axis: number | number[],
  max: boolean,
) {
  if (x.dtype !== "float32" && x.dtype !== "int32") return "dtype";
  const axes = util.parseAxisParam(axis, x.shape);
  if (axes.length !== 1) return "more than one axis";
  const a = axes[0] as number;
  const outer = sizeOf(x.shape.slice(0, a));
  const r = x.shape[a] as number;
  const inner = sizeOf(x.shape.slice(a + 1));
  const shape = [...x.shape.slice(0, a), ...x.shape.slice(a + 1)];
  return backend.output(shape, "int32", (y) =>
    backend.kernels.argReduce(max, dtypeCode(x.dtype) as number, backend.id(x), y, outer, r, inner),
  );
}
