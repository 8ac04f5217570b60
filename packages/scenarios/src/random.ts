/**
 * tfjs draws every unseeded random number (weight initialisers, dropout masks,
 * fit's shuffling) from Math.random. Training replaces it with a seeded stream
 * whose state is saved with each checkpoint, so a run is reproducible from its
 * seed and a resumed run draws exactly what an uninterrupted one would.
 */
import { type RandomState, SeededRandom } from "@graft/training";

/** A seeded, resumable stream for Math.random (xoshiro128**, as `SeededRandom`). */
export class SeededMathRandom {
  private rng: SeededRandom;
  private original: (() => number) | null = null;

  constructor(seed: number | RandomState) {
    this.rng = new SeededRandom(seed);
  }

  /** Routes Math.random to this stream until `uninstall()`. */
  install(): void {
    if (this.original) return;
    this.original = Math.random;
    Math.random = () => this.rng.next();
  }

  /** Puts back the Math.random that `install()` replaced. */
  uninstall(): void {
    if (!this.original) return;
    Math.random = this.original;
    this.original = null;
  }

  /** The stream's state, to save with a checkpoint. */
  state(): RandomState {
    return this.rng.state();
  }

  /** Continues from a saved `state()`. */
  setState(state: RandomState): void {
    this.rng = new SeededRandom(state);
  }

  /** Runs `fn` with Math.random seeded, restoring it afterwards even on error. */
  async with<T>(fn: () => Promise<T>): Promise<T> {
    const installedHere = this.original === null;
    this.install();
    try {
      return await fn();
    } finally {
      if (installedHere) this.uninstall();
    }
  }
}

/** A seed from the clock when none is given, so every run still records one. */
export function chooseSeed(seed: number | null | undefined): number {
  if (seed !== null && seed !== undefined) return seed;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}
