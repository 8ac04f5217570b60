import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import { fixture } from "@graft/test-fixtures";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSVLogger, pyFloat } from "../src/index.ts";
import { drive, tinyModel, toyData } from "./helpers/drive.ts";

interface CsvCase {
  name: string;
  separator: string;
  append: boolean;
  runs: Record<string, number>[][];
  file: string;
}

const goldDir = fixture("training", "csv_logger");
const cases = JSON.parse(readFileSync(join(goldDir, "cases.json"), "utf8")) as CsvCase[];

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "graft-csv-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("CSVLogger writes the bytes Keras 3's CSVLogger writes for the same logs", () => {
  it("has the Keras cases", () => expect(cases.length).toBe(4));
  for (const c of cases) {
    it(c.name, async () => {
      const path = join(dir, c.file);
      for (const run of c.runs) {
        const cb = new CSVLogger(path, { separator: c.separator, append: c.append });
        await drive(tinyModel(), [cb], run);
      }
      expect(readFileSync(path, "utf8")).toBe(readFileSync(join(goldDir, c.file), "utf8"));
    });
  }
});

describe("pyFloat is Python's repr(float)", () => {
  it.each([
    [0.5, "0.5"],
    [1, "1.0"],
    [-2, "-2.0"],
    [0, "0.0"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1.5e-7, "1.5e-07"],
    [123456789, "123456789.0"],
    [1e16, "1e+16"],
    [1.2345e21, "1.2345e+21"],
    [9999999999999998, "9999999999999998.0"],
    [Math.fround(0.1), "0.10000000149011612"],
    [Number.NaN, "nan"],
    [Number.NEGATIVE_INFINITY, "-inf"],
  ])("%s → %s", (x, s) => expect(pyFloat(x)).toBe(s));
});

describe("CSVLogger in a real fit()", () => {
  it("uses tfjs' metric names (acc) unless renamed to Keras' (accuracy)", async () => {
    const { x, y } = toyData();
    for (const [rename, header] of [
      [undefined, "epoch,acc,loss,val_acc,val_loss"],
      [{ acc: "accuracy", val_acc: "val_accuracy" }, "epoch,accuracy,loss,val_accuracy,val_loss"],
    ] as const) {
      const model = tfl.sequential({
        layers: [tfl.layers.dense({ units: 1, inputShape: [2], activation: "sigmoid" })],
      });
      model.compile({
        optimizer: tf.train.sgd(0.1),
        loss: "binaryCrossentropy",
        metrics: ["accuracy"],
      });
      const path = join(dir, "fit.csv");
      await model.fit(x, y, {
        epochs: 3,
        batchSize: 8,
        validationData: [x, y],
        callbacks: [new CSVLogger(path, rename ? { renameKeys: rename } : {})],
        verbose: 0,
      });
      const lines = readFileSync(path, "utf8").split("\r\n");
      expect(lines[0]).toBe(header);
      expect(lines).toHaveLength(5); // header, 3 epochs, trailing ""
      expect(lines[1]).toMatch(/^0,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+,[0-9.e-]+$/);
      expect(lines[3]!.startsWith("2,")).toBe(true);
      model.dispose();
    }
  });

  it("rejects a multi-character separator", () => {
    expect(() => new CSVLogger(join(dir, "x.csv"), { separator: ";;" })).toThrow(
      /one-character string for separator/,
    );
  });
});
