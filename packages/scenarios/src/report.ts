/** report.html for a run: curves, confusion matrix, misclassified images, configuration. */
import { join } from "node:path";
import { loadImage } from "@graft/data";
import { encodePng, renderReport } from "@graft/report";
import { writeFileAtomic } from "@graft/weights";
import type { Evaluation } from "./evaluate.ts";

/** What `writeRunReport` needs from a finished run. */
export interface RunReportInput {
  /** The run folder; report.html is written there. */
  runDir: string;
  /** The page's title. */
  title: string;
  /** The run's configuration, shown one row per key. */
  config: Record<string, unknown>;
  /** One entry per epoch, with `epoch` counted from 0 (the page counts from 1). */
  history: Record<string, number>[];
  /** The metric checkpointing watched, named in the notes. */
  monitor: string;
  /** The best epoch, from 0; null to let the page pick the lowest val_loss. */
  bestEpoch: number | null;
  /** The best model's evaluation; null for a report without confusion matrix and images. */
  evaluation: Evaluation | null;
  /** Which images `evaluation` scored, named in the notes. */
  evaluatedOn: "validation" | "training";
  /** Folder the evaluation's file names are relative to. */
  imageRoot: string;
  /** The run's input size; misclassified images are shown at most 128 px square. */
  inputSize: number;
  /** More lines for the notes section. */
  notes?: string[];
  /** At most this many misclassified images are shown (default 48). */
  maxImages?: number;
}

/** Writes RUN_DIR/report.html (atomically) and returns its path. */
export async function writeRunReport(r: RunReportInput): Promise<string> {
  const e = r.evaluation;
  const misclassified = [];
  if (e) {
    const wrong = e.predictions
      .filter((p) => p.predictedIndex !== p.trueIndex)
      .slice(0, r.maxImages ?? 48);
    const side = Math.min(r.inputSize, 128);
    for (const p of wrong) {
      const img = await loadImage(join(r.imageRoot, p.file), { targetSize: [side, side] });
      misclassified.push({
        file: p.file,
        trueLabel: e.classNames[p.trueIndex] as string,
        predictedLabel: e.classNames[p.predictedIndex] as string,
        probability: p.probability,
        png: encodePng(
          new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength),
          img.width,
          img.height,
          img.channels as 1 | 3 | 4,
        ),
      });
    }
  }
  const html = renderReport({
    title: r.title,
    createdAt: new Date().toISOString(),
    config: r.config,
    history: r.history.map((h) => ({ ...h, epoch: (h.epoch as number) + 1 })),
    ...(r.bestEpoch !== null ? { bestEpoch: r.bestEpoch + 1 } : {}),
    classNames: e?.classNames ?? [],
    ...(e
      ? {
          confusion: e.confusion,
          evaluation: { accuracy: e.accuracy, perClass: e.perClass },
          misclassified,
        }
      : {}),
    notes: [
      `evaluated on the ${r.evaluatedOn} images with best.h5`,
      `monitor: ${r.monitor}`,
      ...(r.notes ?? []),
    ],
  });
  const path = join(r.runDir, "report.html");
  writeFileAtomic(path, html);
  return path;
}
