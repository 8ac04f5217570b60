import { describe, expect, it } from "vitest";
import { epochAxis, niceStep, valueAxis } from "../src/chart.ts";
import { lineChart } from "../src/index.ts";
import { polylinePoints } from "./helpers/html.ts";

describe("axes", () => {
  it("nice steps are 1, 2 or 5 times a power of ten", () => {
    expect(niceStep(1, 5)).toBe(0.2);
    expect(niceStep(2.3, 5)).toBe(0.5);
    expect(niceStep(70, 8)).toBe(10);
    expect(niceStep(0.003, 5)).toBeCloseTo(0.001, 15);
  });

  it("value axes cover the data with whole ticks", () => {
    expect(valueAxis(0.31, 0.93)).toMatchObject({
      lo: 0.2,
      ticks: [0.2, 0.4, 0.6, 0.8, 1],
    });
    const flat = valueAxis(2, 2);
    expect(flat.lo).toBeLessThan(2);
    expect(flat.hi).toBeGreaterThan(2);
    const zero = valueAxis(0, 0);
    expect(zero.ticks).toContain(0);
    const small = valueAxis(1e-5, 4e-5);
    expect(small.ticks.length).toBeGreaterThan(2);
    expect(small.ticks.every(Number.isFinite)).toBe(true);
  });

  it("epoch axes have integer ticks; one epoch sits alone in the middle", () => {
    expect(epochAxis(0, 11).ticks).toEqual([0, 2, 4, 6, 8, 10]);
    expect(epochAxis(0, 3).ticks).toEqual([0, 1, 2, 3]);
    expect(epochAxis(5, 5)).toMatchObject({ lo: 4.5, hi: 5.5, ticks: [5] });
    expect(epochAxis(0, 199).ticks.every(Number.isInteger)).toBe(true);
  });
});

describe("lineChart", () => {
  it("is empty without points, and draws no markers past 60 points", () => {
    expect(lineChart({ id: "x", title: "x", xLabel: "e", yLabel: "y", series: [] })).toBe("");
    const many = Array.from({ length: 200 }, (_, i) => ({ x: i, y: Math.sin(i) }));
    const svg = lineChart({
      id: "x",
      title: "x",
      xLabel: "e",
      yLabel: "y",
      series: [{ key: "s", label: "s", color: "#000", points: many }],
    });
    expect(polylinePoints(svg)).toEqual({ s: 200 });
    expect(svg).not.toContain("<circle");
  });
});
