/**
 * A small seedable PRNG whose whole state is four 32-bit integers
 * (xoshiro128**), so training can save it with a checkpoint and resume with
 * exactly the same shuffles and augmentations. Not for cryptography.
 */
import { argumentError } from "./errors.ts";

/** The whole state of a `SeededRandom`: four 32-bit integers, not all zero. */
export type RandomState = [number, number, number, number];

/**
 * xoshiro128**, seeded with an integer (spread by splitmix32) or resumed from a `state()`.
 * Throws ERR_GRAFT_ARGUMENT for a state that is not four integers, or all zero.
 */
export class SeededRandom {
  private s: Uint32Array;

  constructor(seed: number | RandomState = 0) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      if (seed.length !== 4 || seed.every((x) => x === 0)) {
        throw argumentError("state", "four 32-bit integers, not all zero", JSON.stringify(seed));
      }
      this.s.set(seed.map((x) => x >>> 0));
    } else {
      // splitmix32 spreads a small integer seed over the whole state.
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
    }
  }

  /** The full state; `new SeededRandom(state)` continues the same sequence. */
  state(): RandomState {
    return [...this.s] as RandomState;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1] as number, 5), 7), 9) >>> 0;
    const t = (s[1] as number) << 9;
    s[2] = (s[2] as number) ^ (s[0] as number);
    s[3] = (s[3] as number) ^ (s[1] as number);
    s[1] = (s[1] as number) ^ (s[2] as number);
    s[0] = (s[0] as number) ^ (s[3] as number);
    s[2] = (s[2] as number) ^ t;
    s[3] = rotl(s[3] as number, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [p[i], p[j]] = [p[j] as number, p[i] as number];
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
