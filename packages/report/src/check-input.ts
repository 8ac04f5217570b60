/** `renderReport`'s argument checks: every message names the field, what was expected and what came. */
import { argumentError } from "./errors.ts";
import { readPngSize } from "./png.ts";
import type { ReportInput } from "./render.ts";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function checkInput(input: ReportInput): void {
  if (!isObject(input)) throw argumentError("input", "an object", input);
  if (typeof input.title !== "string") throw argumentError("title", "a string", input.title);
  if (input.createdAt !== undefined && typeof input.createdAt !== "string") {
    throw argumentError("createdAt", "a string", input.createdAt);
  }
  if (!isObject(input.config)) throw argumentError("config", "an object", input.config);
  if (!Array.isArray(input.history)) throw argumentError("history", "an array", input.history);
  input.history.forEach((entry, i) => {
    if (!isObject(entry)) throw argumentError(`history[${i}]`, "an object", entry);
    for (const [k, v] of Object.entries(entry)) {
      if (v !== null && v !== undefined && typeof v !== "number") {
        throw argumentError(`history[${i}].${k}`, "a number, null or undefined", v);
      }
    }
  });
  if (
    input.bestEpoch !== undefined &&
    (typeof input.bestEpoch !== "number" || !Number.isFinite(input.bestEpoch))
  ) {
    throw argumentError("bestEpoch", "a finite number", input.bestEpoch);
  }
  const names = input.classNames;
  if (!Array.isArray(names)) throw argumentError("classNames", "an array of strings", names);
  names.forEach((n, i) => {
    if (typeof n !== "string") throw argumentError(`classNames[${i}]`, "a string", n);
  });
  const n = names.length;
  if (input.confusion !== undefined) {
    const m = input.confusion;
    if (!Array.isArray(m) || m.length !== n) {
      throw argumentError("confusion", `an array of ${n} rows (one per class name)`, m);
    }
    m.forEach((row, t) => {
      if (!Array.isArray(row) || row.length !== n) {
        throw argumentError(`confusion[${t}]`, `an array of ${n} counts`, row);
      }
      row.forEach((c, p) => {
        if (typeof c !== "number" || !Number.isFinite(c) || c < 0) {
          throw argumentError(`confusion[${t}][${p}]`, "a non-negative count", c);
        }
      });
    });
  }
  if (input.evaluation !== undefined) {
    const e = input.evaluation;
    if (!isObject(e)) throw argumentError("evaluation", "an object", e);
    if (typeof e.accuracy !== "number") {
      throw argumentError("evaluation.accuracy", "a number", e.accuracy);
    }
    if (!Array.isArray(e.perClass) || e.perClass.length !== n) {
      throw argumentError(
        "evaluation.perClass",
        `an array of ${n} entries (one per class name)`,
        e.perClass,
      );
    }
    e.perClass.forEach((m, i) => {
      for (const key of ["precision", "recall", "f1", "support"] as const) {
        if (!isObject(m) || typeof m[key] !== "number") {
          throw argumentError(
            `evaluation.perClass[${i}].${key}`,
            "a number",
            isObject(m) ? m[key] : m,
          );
        }
      }
    });
  }
  if (input.misclassified !== undefined) {
    if (!Array.isArray(input.misclassified)) {
      throw argumentError("misclassified", "an array", input.misclassified);
    }
    input.misclassified.forEach((im, i) => {
      if (!isObject(im)) throw argumentError(`misclassified[${i}]`, "an object", im);
      for (const key of ["file", "trueLabel", "predictedLabel"] as const) {
        if (typeof im[key] !== "string") {
          throw argumentError(`misclassified[${i}].${key}`, "a string", im[key]);
        }
      }
      if (typeof im.probability !== "number") {
        throw argumentError(
          `misclassified[${i}].probability`,
          "a number in [0, 1]",
          im.probability,
        );
      }
      try {
        if (!(im.png instanceof Uint8Array)) throw new TypeError();
        readPngSize(im.png);
      } catch {
        throw argumentError(`misclassified[${i}].png`, "PNG file bytes (see encodePng)", im.png);
      }
    });
  }
  if (input.notes !== undefined) {
    if (!Array.isArray(input.notes))
      throw argumentError("notes", "an array of strings", input.notes);
    input.notes.forEach((note, i) => {
      if (typeof note !== "string") throw argumentError(`notes[${i}]`, "a string", note);
    });
  }
}
