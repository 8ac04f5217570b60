import { describe, expect, it } from "vitest";
import { Monitor, monitorDirection } from "../src/index.ts";

describe("monitorDirection: mode auto", () => {
  it("maximises accuracy-like metrics, minimises the rest (Keras 2's rule)", () => {
    for (const m of [
      "acc",
      "val_acc",
      "accuracy",
      "val_accuracy",
      "val_categorical_accuracy",
      "auc",
      "val_precision",
      "recall",
    ]) {
      expect(monitorDirection(m), m).toBe("max");
    }
    for (const m of ["loss", "val_loss", "mse", "val_mean_absolute_error", "learning_rate"]) {
      expect(monitorDirection(m), m).toBe("min");
    }
  });
  it("explicit modes win; unknown modes are an argument error", () => {
    expect(monitorDirection("val_acc", "min")).toBe("min");
    expect(monitorDirection("val_loss", "max")).toBe("max");
    expect(() => monitorDirection("loss", "up" as never)).toThrow(/for mode but received "up"/);
  });
});

describe("Monitor.isImprovement", () => {
  it("is strict, needs minDelta, and anything beats no reference", () => {
    const min = new Monitor("val_loss", "auto", 0.1);
    expect(min.isImprovement(5, null)).toBe(true);
    expect(min.isImprovement(0.85, 1)).toBe(true);
    expect(min.isImprovement(0.95, 1)).toBe(false);
    expect(min.isImprovement(1, 1)).toBe(false);
    const max = new Monitor("val_acc", "auto", -0.1); // |minDelta|, as Keras
    expect(max.minDelta).toBe(0.1);
    expect(max.isImprovement(0.75, 0.6)).toBe(true);
    expect(max.isImprovement(0.65, 0.6)).toBe(false);
  });
  it("compares in float32 like Keras' ops.less, and NaN never improves", () => {
    const m = new Monitor("loss");
    expect(m.isImprovement(0.99999999, 1)).toBe(false);
    expect(m.isImprovement(0.9999999, 1)).toBe(true);
    expect(m.isImprovement(Number.NaN, 1)).toBe(false);
  });
});
