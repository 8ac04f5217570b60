/**
 * The rule issue 14 item 7b sets for from-scratch training: over ≥ 10 seeds each, graft's
 * mean validation accuracy (last and best epoch) and its success rate must sit within
 * Keras' seed spread. Made concrete here:
 *
 * - a mean is within the spread when the two means differ by at most two standard errors
 *   of their difference, sqrt(s_graft²/n_graft + s_keras²/n_keras) (sample variances):
 *   the ±2σ band of two independent seed samples;
 * - the success rates (runs whose last epoch reaches `threshold`) are within it when
 *   Fisher's exact test on the 2×2 table of learned / not learned gives two-sided p ≥ 0.05.
 */

/** One seed's validation accuracy at the last and at the best epoch. */
export interface SeedRun {
  seed: number;
  last: number;
  best: number;
}

/** One comparison of the rule: the figures, and whether graft's is inside Keras' spread. */
export interface SpreadCheck {
  what: string;
  graft: number;
  keras: number;
  /** The allowed difference (means) or the p-value (success rates). */
  bound: number;
  within: boolean;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1);
};

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Fisher's exact test, two-sided: a of n1 against b of n2. */
export function fisherExact(a: number, n1: number, b: number, n2: number): number {
  const k = a + b;
  const n = n1 + n2;
  const p = (x: number) => Math.exp(logChoose(k, x) + logChoose(n - k, n1 - x) - logChoose(n, n1));
  const observed = p(a);
  let total = 0;
  for (let x = Math.max(0, k - n2); x <= Math.min(k, n1); x++) {
    const px = p(x);
    if (px <= observed * (1 + 1e-9)) total += px;
  }
  return Math.min(1, total);
}

/** The rule's three checks: mean last, mean best, success rate (last ≥ threshold). */
export function seedSpread(graft: SeedRun[], keras: SeedRun[], threshold: number): SpreadCheck[] {
  const meanCheck = (what: string, pick: (r: SeedRun) => number): SpreadCheck => {
    const g = graft.map(pick);
    const k = keras.map(pick);
    const bound = 2 * Math.sqrt(variance(g) / g.length + variance(k) / k.length);
    return {
      what,
      graft: mean(g),
      keras: mean(k),
      bound,
      within: Math.abs(mean(g) - mean(k)) <= bound,
    };
  };
  const learned = (rs: SeedRun[]) => rs.filter((r) => r.last >= threshold).length;
  const p = fisherExact(learned(graft), graft.length, learned(keras), keras.length);
  return [
    meanCheck("mean last-epoch val accuracy", (r) => r.last),
    meanCheck("mean best-epoch val accuracy", (r) => r.best),
    {
      what: `learned (last ≥ ${threshold.toFixed(2)})`,
      graft: learned(graft) / graft.length,
      keras: learned(keras) / keras.length,
      bound: p,
      within: p >= 0.05,
    },
  ];
}
