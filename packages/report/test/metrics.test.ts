import { describe, expect, it } from "vitest";
import { averageMetrics, classificationMetrics } from "../src/index.ts";

describe("classificationMetrics", () => {
  it("matches sklearn's classification_report on a 3-class matrix", () => {
    // sklearn: y_true/y_pred giving this matrix → precision [0.8, 0.5, 0.75],
    // recall [0.8, 0.6667, 0.6], f1 [0.8, 0.5714, 0.6667], accuracy 0.7.
    const m = [
      [4, 1, 0],
      [0, 2, 1],
      [1, 1, 3],
    ];
    const e = classificationMetrics(m);
    expect(e.accuracy).toBeCloseTo(9 / 13, 12);
    const r = (v: number) => Math.round(v * 1e4) / 1e4;
    expect(e.perClass.map((c) => [r(c.precision), r(c.recall), r(c.f1), c.support])).toEqual([
      [0.8, 0.8, 0.8, 5],
      [0.5, 0.6667, 0.5714, 3],
      [0.75, 0.6, 0.6667, 5],
    ]);
    const avg = averageMetrics(e.perClass);
    expect(avg.macro.precision).toBeCloseTo((0.8 + 0.5 + 0.75) / 3, 12);
    expect(avg.weighted.recall).toBeCloseTo(e.accuracy, 12); // weighted recall is accuracy
    expect(avg.macro.support).toBe(13);
  });

  it("a class never predicted or never seen has undefined (NaN) metrics, counted as 0 in averages", () => {
    const e = classificationMetrics([
      [3, 0, 0],
      [2, 0, 0],
      [0, 0, 0],
    ]);
    expect(e.perClass[1]).toEqual({ precision: Number.NaN, recall: 0, f1: Number.NaN, support: 2 });
    expect(e.perClass[2]!.recall).toBeNaN();
    expect(averageMetrics(e.perClass).macro.recall).toBeCloseTo(1 / 3, 12);
  });

  it("an empty matrix has NaN accuracy", () => {
    expect(classificationMetrics([]).accuracy).toBeNaN();
  });
});
