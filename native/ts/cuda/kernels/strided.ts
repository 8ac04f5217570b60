/** [rank, offset, shape..., inStrides...] for graft_cuda.node's stridedCopy, or null past its limits. */
export function stridedParams(
  shape: readonly number[],
  inStrides: readonly number[],
  offset: number,
): Int32Array | null {
  if (shape.length > 6 || offset > 2 ** 31 - 1) return null;
  return Int32Array.of(shape.length, offset, ...shape, ...inStrides);
}
