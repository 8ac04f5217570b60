import { CUDA_STRIDED_ARRAYS, CUDA_STRIDED_BLOCK } from "../../common/boundary.ts";
import { packBlock } from "../../common/boundary_check.ts";
import { MAX_RANK } from "./util.ts";

/** The CUDA_STRIDED_BLOCK of graft_cuda.node's stridedCopy, or null past its limits. */
export function stridedParams(
  shape: readonly number[],
  inStrides: readonly number[],
  offset: number,
): Int32Array | null {
  if (shape.length > MAX_RANK || offset > 2 ** 31 - 1) return null;
  return packBlock(
    CUDA_STRIDED_BLOCK,
    { rank: shape.length, offset },
    CUDA_STRIDED_ARRAYS,
    { shape, inStrides },
    shape.length,
  );
}
