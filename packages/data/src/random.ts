/**
 * numpy's legacy global RNG (`np.random.seed`, `np.random.random`, `uniform`,
 * `choice`, `permutation`), reproduced draw for draw, so that a seeded Keras
 * generator and a seeded graft generator shuffle and augment identically.
 *
 * Facts used (numpy `_legacy_seeding`, `mt19937_seed`, `mt19937_next_double`,
 * `random_interval`, `random_bounded_uint64_fill` with the masked method):
 * - seeding an int s in [0, 2³²) is MT19937 `init_genrand(s)`;
 * - `random()` takes two 32-bit words a, b: ((a >>> 5) · 2²⁶ + (b >>> 6)) / 2⁵³;
 * - `uniform(lo, hi)` is lo + (hi − lo) · random();
 * - `randint(0, n)` (and `choice`) draws 32-bit words, masks them to the smallest
 *   2^k − 1 ≥ n − 1 and rejects values above n − 1; n = 1 draws nothing;
 * - `permutation(n)` is a Fisher–Yates pass from i = n − 1 down to 1 with
 *   j = `random_interval(i)` (the same masked rejection).
 */

const N = 624;
const M = 397;

/**
 * numpy's legacy `RandomState` (MT19937), draw for draw; see the module comment. Seeded at random
 * when no seed is given.
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed?: number) {
    this.seed(seed ?? randomSeed());
  }

  /** `np.random.seed(seed)`: seed must be an integer in [0, 2³² − 1], as numpy demands. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Expected an integer seed in [0, 2**32 - 1] but received ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = (mt[i - 1] as number) ^ ((mt[i - 1] as number) >>> 30);
      // 1812433253 * prev + i, mod 2^32, without losing bits to float rounding.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  /** A copy of the generator's state (numpy's `get_state()`: key and position). */
  getState(): {
    /** The 624 words of the MT19937 key. */
    mt: Uint32Array;
    /** The position in the key of the next word, 0 to 624 (624: twist first). */
    index: number;
  } {
    return { mt: this.mt.slice(), index: this.index };
  }

  /**
   * numpy's `set_state()`: restores a `getState()` copy. Throws a RangeError unless `mt` has 624
   * words and 0 ≤ index ≤ 624.
   */
  setState(mt: Uint32Array, index: number): void {
    if (mt.length !== N || !Number.isInteger(index) || index < 0 || index > N) {
      throw new RangeError("Expected an MT19937 state of 624 words and a position in [0, 624]");
    }
    this.mt.set(mt);
    this.index = index;
  }

  /** One tempered 32-bit MT19937 word (numpy's `next_uint32`). */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = ((mt[i] as number) & 0x80000000) | ((mt[(i + 1) % N] as number) & 0x7fffffff);
      let v = (mt[(i + M) % N] as number) ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }

  /** `np.random.random()`: a double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `np.random.uniform(low, high)`. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** `np.random.randint(0, n)` for 1 ≤ n ≤ 2³² (the masked rejection numpy's legacy RandomState uses). */
  randint(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new RangeError(`Expected an integer bound in [1, 2**32] but received ${n}`);
    }
    return this.interval(n - 1);
  }

  /** A value in [0, max] by masked rejection; max = 0 draws nothing. */
  private interval(max: number): number {
    if (max === 0) return 0;
    if (max === 0xffffffff) return this.nextUint32();
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `np.random.choice(a)` for a 1-D list: one element, drawn with `randint(0, len)`. */
  choice<T>(a: readonly T[]): T {
    if (a.length === 0) throw new RangeError("choice: 'a' cannot be empty");
    return a[this.randint(a.length)] as T;
  }

  /** `np.random.permutation(n)`. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = out[i] as number;
      out[i] = out[j] as number;
      out[j] = t;
    }
    return out;
  }
}

/** A seed for an unseeded generator (Keras then uses numpy's unseeded global state). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
