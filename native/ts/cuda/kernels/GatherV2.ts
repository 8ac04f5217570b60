import { GatherV2, type GatherV2Attrs, type TensorInfo, util } from "@tensorflow/tfjs-core";
import { sizeOf } from "../../common/shape.ts";
import { cudaKernel, dtypeCode } from "./util.ts";

/**
 * batchDims 0 only. tfjs-cpu throws on an index outside [0, axis size); a GPU kernel
 * cannot, so such an index gives zeros here.
 */
export const gatherV2Kernel = cudaKernel(GatherV2, ({ inputs, attrs, backend }) => {
  const x = inputs.x as TensorInfo;
  const indices = inputs.indices as TensorInfo;
  const { axis, batchDims } = attrs as unknown as GatherV2Attrs;
  const code = dtypeCode(x.dtype);
  if (code === null || indices.dtype !== "int32") return "dtype";
  if ((batchDims ?? 0) !== 0) return "batchDims";
  const a = util.parseAxisParam(axis, x.shape)[0] as number;
  const outer = sizeOf(x.shape.slice(0, a));
  const axisSize = x.shape[a] as number;
  const inner = sizeOf(x.shape.slice(a + 1));
  const nIdx = sizeOf(indices.shape);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return backend.output(shape, x.dtype, (y) =>
    backend.kernels.gather(
      backend.id(x),
      backend.id(indices),
      y,
      code,
      outer,
      axisSize,
      nIdx,
      inner,
    ),
  );
});
