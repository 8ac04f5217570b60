/** Shape helpers both backends' kernels use. */

/** A kernel's inputs with the named (or all) entries present: tfjs types every input as optional. */
export type Req<T, K extends keyof T = keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

/** The number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
