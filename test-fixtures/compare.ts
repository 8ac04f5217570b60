/**
 * max|got − want| / max|want|: the normwise relative error of an output against
 * its golden, the measure the goldens' tolerances are written in. Throws when the
 * lengths differ. An all-zero golden is matched absolutely (divided by 1e-30).
 */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) {
    throw new Error(`relErr: got ${got.length} values, want ${want.length}`);
  }
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return maxDiff / Math.max(scale, 1e-30);
}
