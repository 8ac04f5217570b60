import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { ProgressBar } from "../src/index.ts";
import { toyData } from "./helpers/drive.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A stream that records writes, and a clock that advances 100 ms per reading. */
function fakes(isTTY: boolean) {
  const chunks: string[] = [];
  let t = 0;
  return {
    chunks,
    stream: { isTTY, write: (s: string) => chunks.push(s) },
    now: () => {
      t += 100;
      return t;
    },
  };
}

async function fitWith(bar: ProgressBar) {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 1, inputShape: [2], activation: "sigmoid" })],
  });
  model.compile({
    optimizer: tf.train.sgd(0.1),
    loss: "binaryCrossentropy",
    metrics: ["accuracy"],
  });
  const { x, y } = toyData(10);
  // 10 samples, batch 4: 3 steps per epoch (4 + 4 + 2).
  await model.fit(x, y, {
    epochs: 2,
    batchSize: 4,
    validationData: [x, y],
    callbacks: [bar],
    verbose: 0,
  });
  model.dispose();
}

// Keras prints %.4f, or %.4e below 1e-3 in magnitude (an accuracy of 0 is "0.0000e+00").
const METRIC = "\\d\\.\\d{4}(?:e[+-]\\d\\d)?";

describe("ProgressBar", () => {
  it("not a TTY: `Epoch i/n` and one Keras verbose=2 line per epoch", async () => {
    const f = fakes(false);
    await fitWith(new ProgressBar({ stream: f.stream, now: f.now }));
    const lines = f.chunks.join("").split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe("Epoch 1/2");
    expect(lines[2]).toBe("Epoch 2/2");
    // The clock reads once at epoch start and once at its end: 0.1 s over 3 steps.
    const line = new RegExp(
      `^3/3 - 0s - 33ms/step - loss: ${METRIC} - acc: ${METRIC} - val_loss: ${METRIC} - val_acc: ${METRIC}$`,
    );
    expect(lines[1]).toMatch(line);
    expect(lines[3]).toMatch(line);
    expect(lines[4]).toBe("");
    expect(f.chunks.join("")).not.toContain("\r");
  });

  it("TTY: redraws one line per step with counter, bar and ETA, then the epoch summary", async () => {
    const f = fakes(true);
    await fitWith(new ProgressBar({ stream: f.stream, now: f.now, interval: 0, width: 6 }));
    const out = f.chunks.join("");
    const epoch1 = out.split("Epoch 2/2\n")[0]!;
    expect(epoch1.startsWith("Epoch 1/2\n")).toBe(true);
    const frames = epoch1.slice("Epoch 1/2\n".length).split("\r").filter(Boolean);
    // Step 1 of 3 after 0.1 s: 0.1 s/step, 2 steps to go → ETA 0s; running means of the batch logs.
    expect(frames[0]).toMatch(
      new RegExp(`^1/3 ━━──── 0s 100ms/step - loss: ${METRIC} - acc: ${METRIC}$`),
    );
    expect(frames[1]).toMatch(/^2\/3 ━━━━── 0s 100ms\/step - loss: /);
    expect(frames.at(-1)).toMatch(
      new RegExp(
        `^3/3 ━━━━━━ 0s \\d+ms/step - loss: ${METRIC} - acc: ${METRIC} - val_loss: ${METRIC} - val_acc: ${METRIC} *\\n$`,
      ),
    );
    expect(out.endsWith("\n")).toBe(true);
  });

  it("shows minutes in the ETA and e-notation for tiny values", async () => {
    const chunks: string[] = [];
    let t = 0;
    const bar = new ProgressBar({
      stream: { isTTY: true, write: (s: string) => chunks.push(s) },
      now: () => (t += 30_000),
      interval: 0,
    });
    bar.setParams({ epochs: 1, samples: 40, batchSize: 4 });
    await bar.onTrainBegin();
    await bar.onEpochBegin(0);
    await bar.onBatchEnd(0, { batch: 0, size: 4, loss: 0.00012 });
    expect(chunks.at(-1)).toBe(`\r 1/10 ━━────────────────── 4:30 30s/step - loss: 1.2000e-04`);
  });
});
