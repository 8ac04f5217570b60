// The rule the from-scratch seed comparisons are judged by (bench/seed-spread.ts). Fisher's
// exact test against scipy.stats.fisher_exact's two-sided p-values for the same tables.
import { describe, expect, it } from "vitest";
import { fisherExact, type SeedRun, seedSpread } from "../bench/seed-spread.ts";

describe("fisherExact", () => {
  it.each([
    [5, 10, 2, 10, 0.34984520123839014],
    [3, 4, 1, 4, 0.48571428571428565],
    [10, 10, 2, 10, 0.0007144558228149558],
    [0, 10, 0, 10, 1],
    [4, 10, 8, 10, 0.1698023338890212],
  ])("%i of %i against %i of %i: p = scipy's %f", (a, n1, b, n2, p) => {
    expect(fisherExact(a, n1, b, n2)).toBeCloseTo(p, 10);
  });
});

describe("seedSpread", () => {
  const runs = (lasts: number[]): SeedRun[] =>
    lasts.map((last, i) => ({ seed: i + 1, last, best: last + 0.05 }));

  it("two samples from the same spread are within it", () => {
    const checks = seedSpread(
      runs([0.2, 0.6, 0.4, 0.5, 0.3, 0.7, 0.2, 0.5, 0.6, 0.4]),
      runs([0.3, 0.5, 0.6, 0.2, 0.4, 0.6, 0.5, 0.3, 0.2, 0.7]),
      0.4,
    );
    expect(checks.map((c) => c.within)).toEqual([true, true, true]);
  });

  it("a backend stuck at chance is outside it on every count", () => {
    const checks = seedSpread(
      runs(Array(10).fill(0.1)),
      runs([0.8, 0.7, 0.9, 0.85, 0.6, 0.75, 0.8, 0.9, 0.7, 0.65]),
      0.5,
    );
    expect(checks.map((c) => c.within)).toEqual([false, false, false]);
    expect(checks[2]?.bound).toBeCloseTo(1.0825088224469026e-5, 12);
  });
});
