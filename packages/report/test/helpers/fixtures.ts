/** Report inputs for the tests: deterministic, with awkward strings in every field. */
import { encodePng, type ReportInput } from "../../src/index.ts";

/** A small deterministic generator (mulberry32), so fixtures never change. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `size`×`size` RGB test card: a gradient with a class-coloured square. */
export function testCard(size: number, hue: number, channels: 1 | 3 | 4 = 3): Uint8Array {
  const px = new Uint8Array(size * size * channels);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4;
      const rgba = inside
        ? [(hue * 53) % 256, (hue * 101) % 256, (hue * 197) % 256, 255]
        : [(x * 255) / (size - 1), (y * 255) / (size - 1), 128, 255];
      const o = (y * size + x) * channels;
      for (let c = 0; c < channels; c++) px[o + c] = Math.round(rgba[c]!);
    }
  }
  return px;
}

export function history(epochs: number, withValidation = true): ReportInput["history"] {
  const out: Record<string, number>[] = [];
  for (let e = 0; e < epochs; e++) {
    const entry: Record<string, number> = {
      epoch: e,
      loss: 2.2 * Math.exp(-e / 4) + 0.1,
      acc: 0.3 + 0.65 * (1 - Math.exp(-e / 3)),
      learning_rate: e < 6 ? 1e-3 : 5e-4,
    };
    if (withValidation) {
      entry.val_loss = 2.0 * Math.exp(-e / 5) + 0.25 + 0.02 * Math.max(0, e - 7);
      entry.val_acc = 0.35 + 0.5 * (1 - Math.exp(-e / 3)) - 0.01 * Math.max(0, e - 7);
    }
    out.push(entry);
  }
  return out;
}

export const HOSTILE = `<script>alert("x")</script>&'"`;

/** A full report: 4 classes (one with a hostile name), 12 epochs, 5 misclassified images. */
export function sampleInput(): ReportInput {
  const classNames = ["daisy", "dandelion", "rose & tulip", HOSTILE];
  const confusion = [
    [40, 3, 1, 0],
    [2, 35, 0, 3],
    [0, 1, 28, 6],
    [0, 0, 4, 17],
  ];
  const h = history(12).map((e) => ({ ...e }));
  // A hole in the validation accuracy, as a NaN and as a missing key.
  (h[4] as Record<string, number>).val_acc = Number.NaN;
  delete (h[5] as Record<string, number>).val_acc;
  return {
    title: `graft train — small-similar on data/flowers ${HOSTILE}`,
    createdAt: "2025-01-02T03:04:05Z",
    config: {
      preset: "small-similar",
      data: "data/flowers",
      epochs: 12,
      learningRate: 0.001,
      augment: { flip: "horizontal", rotate: 0.1, note: HOSTILE },
      freeze: ["block1", "block2"],
      [`key ${HOSTILE}`]: `value ${HOSTILE}`,
      enabled: true,
      nothing: null,
    },
    history: h,
    bestEpoch: 7,
    classNames,
    confusion,
    misclassified: [
      [1, 0, 0.61],
      [2, 3, 0.87],
      [3, 2, 0.55],
      [0, 1, 0.49],
      [1, 3, 0.93],
    ].map(([t, p, prob], i) => ({
      file: `val/${classNames[t!]}/img_${i}<${HOSTILE}>.jpg`,
      trueLabel: classNames[t!]!,
      predictedLabel: classNames[p!]!,
      probability: prob!,
      png: encodePng(testCard(32, t! + 1), 32, 32, 3),
    })),
    notes: ["Class weights: balanced.", `A note with ${HOSTILE}`],
  };
}

/** 50 classes and 40 epochs, no images: the readability case. */
export function manyClassesInput(): ReportInput {
  const n = 50;
  const random = rng(7);
  const classNames = Array.from({ length: n }, (_, i) => `class_${i}_${"x".repeat(i % 17)}`);
  const confusion = classNames.map((_, t) =>
    classNames.map((_, p) =>
      t === p ? 15 + Math.floor(random() * 10) : random() < 0.05 ? 1 + Math.floor(random() * 3) : 0,
    ),
  );
  return {
    title: "graft train — 50 classes",
    config: { classes: n },
    history: history(40),
    classNames,
    confusion,
    misclassified: [],
  };
}
