import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { formatEvaluation, probeAccuracy, scorePredictions } from "../src/index.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("scorePredictions", () => {
  it("computes accuracy, precision, recall, F1 and the confusion matrix (sklearn's definitions)", () => {
    // true: a a a b b c ; predicted: a a b b c c
    const pairs = [
      [0, 0],
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 2],
    ];
    const e = scorePredictions(
      pairs.map(([t, p], i) => ({
        file: `${i}.png`,
        trueIndex: t as number,
        predictedIndex: p as number,
        probability: 0.9,
      })),
      ["a", "b", "c"],
    );
    expect(e.accuracy).toBeCloseTo(4 / 6, 12);
    expect(e.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(e.perClass[0]).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(e.perClass[1]?.precision).toBeCloseTo(0.5, 12);
    expect(e.perClass[1]?.recall).toBeCloseTo(0.5, 12);
    expect(e.perClass[2]?.precision).toBeCloseTo(0.5, 12);
    expect(e.perClass[2]?.recall).toBe(1);
    const text = formatEvaluation(e);
    expect(text).toContain("accuracy 0.6667 on 6 images");
    expect(text).toMatch(/a\s+1\.0000\s+0\.6667\s+0\.8000\s+3/);
  });

  it("a class never predicted has precision 0, not NaN", () => {
    const e = scorePredictions(
      [{ file: "x", trueIndex: 1, predictedIndex: 0, probability: 1 }],
      ["a", "b"],
    );
    expect(e.perClass.map((s) => s.precision)).toEqual([0, 0]);
    expect(e.perClass.map((s) => s.f1)).toEqual([0, 0]);
  });
});

describe("probeAccuracy", () => {
  it("separable classes score near 1, labels unrelated to the features near chance", async () => {
    let s = 1;
    const rand = () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const x: number[][] = [];
    const y: number[] = [];
    const noise: number[] = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3;
      x.push(Array.from({ length: 6 }, (_, d) => (d === c ? 3 : 0) + rand()));
      y.push(c);
      noise.push(Math.floor(rand() * 3));
    }
    expect(await probeAccuracy(x, y, 3)).toBeGreaterThan(0.95);
    expect(await probeAccuracy(x, noise, 3)).toBeLessThan(0.6);
  });
});
