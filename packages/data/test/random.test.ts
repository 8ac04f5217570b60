/** numpy's legacy RNG, against values numpy produced (make_data_fixtures.py). */
import { describe, expect, it } from "vitest";
import { RandomState } from "../src/index.ts";
import { dataManifest } from "./helpers/tree.ts";

const goldens = (dataManifest as unknown as { numpy_random: Record<string, never>[] })
  .numpy_random as unknown as {
  seed: number;
  random: number[];
  uniform: number[];
  randint: number[];
  choice: number[];
  permutation: number[];
  after: number;
}[];

describe("RandomState (np.random legacy)", () => {
  for (const g of goldens) {
    it(`seed ${g.seed}: random, uniform, randint, choice, permutation in one stream`, () => {
      const r = new RandomState(g.seed);
      expect([r.random(), r.random(), r.random()]).toEqual(g.random);
      expect([r.uniform(-30, 30), r.uniform(0.7, 1.3)]).toEqual(g.uniform);
      expect([1, 2, 7, 1000, 2 ** 31 + 5].map((n) => r.randint(n))).toEqual(g.randint);
      expect([r.choice([-1, 1]), r.choice([0.1, 0.25, 0.4])]).toEqual(g.choice);
      expect(Array.from(r.permutation(23))).toEqual(g.permutation);
      expect(r.random()).toBe(g.after);
    });
  }

  it("state can be saved and restored", () => {
    const r = new RandomState(5);
    r.random();
    const s = r.getState();
    const a = [r.random(), r.randint(10)];
    r.setState(s.mt, s.index);
    expect([r.random(), r.randint(10)]).toEqual(a);
  });

  it("rejects seeds numpy rejects", () => {
    expect(() => new RandomState(-1)).toThrow(/seed in \[0, 2\*\*32 - 1\]/);
    expect(() => new RandomState(2 ** 32)).toThrow(/seed/);
    expect(() => new RandomState(1.5)).toThrow(/seed/);
  });
});
