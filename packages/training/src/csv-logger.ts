/**
 * Keras' CSVLogger (keras/src/callbacks/csv_logger.py): one row per epoch.
 * The file is byte-for-byte what Keras 3 writes for the same logs:
 *
 *  - columns `epoch` then the first epoch's log keys, sorted; if none starts
 *    with `val_`, a `val_<key>` column is added for each (filled with `NA`);
 *  - `epoch` counts from 0; values are Python `str(float)` (`0.5`, `1.0`,
 *    `1e-05`); missing values are `NA`;
 *  - Python's csv "excel" dialect: `\r\n` line ends, minimal quoting;
 *  - with `append`, no header is written when the file already has a first line.
 *
 * Metric names are tfjs-layers' own: `metrics: ["accuracy"]` logs `acc` and
 * `val_acc` where Keras 3 (and Keras ≥ 2.3) log `accuracy`/`val_accuracy`, so
 * a tfjs run's header reads `epoch,acc,loss,val_acc,val_loss`. Use
 * `renameKeys: {acc: "accuracy", val_acc: "val_accuracy"}` for Keras' names.
 */
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "@graft/weights";
import * as tfl from "@tensorflow/tfjs-layers";
import { argumentError } from "./errors.ts";
import { pyFloat } from "./format.ts";
import { resolveLogs, type UnresolvedLogs } from "./logs.ts";

/** Options of `CSVLogger`. */
export interface CSVLoggerOptions {
  /** Append to an existing file instead of overwriting it. Defaults to false. */
  append?: boolean;
  /** Field separator. Defaults to ",". */
  separator?: string;
  /** Log key → column name, applied before sorting (e.g. {acc: "accuracy"}). */
  renameKeys?: Record<string, string>;
}

const LINE_END = "\r\n";

/**
 * Keras' CSVLogger: one CSV row per epoch, byte for byte as Keras 3 writes it (see the module
 * comment).
 */
export class CSVLogger extends tfl.Callback {
  /** The file written. */
  readonly filename: string;
  /** Whether rows are appended to an existing file. */
  readonly append: boolean;
  /** The one-character field separator. */
  readonly separator: string;
  private readonly rename: Record<string, string>;
  /** The whole file as written so far; each row rewrites it atomically. */
  private text: string | null = null;
  private keys: string[] | null = null;
  private writeHeader = true;

  constructor(filename: string, options: CSVLoggerOptions = {}) {
    super();
    if (typeof filename !== "string" || filename === "") {
      throw argumentError("filename", "a file path", filename);
    }
    const separator = options.separator ?? ",";
    if (typeof separator !== "string" || separator.length !== 1) {
      throw argumentError("separator", "a one-character string", separator);
    }
    this.filename = filename;
    this.append = options.append ?? false;
    this.separator = separator;
    this.rename = options.renameKeys ?? {};
  }

  /**
   * Starts the file (empty unless `append`, as Keras truncates it) and decides
   * whether a header is due. Every write replaces the whole file atomically, so a
   * full disk or a kill never leaves half a row.
   */
  override async onTrainBegin(): Promise<void> {
    this.writeHeader = true;
    if (this.append && existsSync(this.filename)) {
      this.text = readFileSync(this.filename, "utf8");
      const firstLine = this.text.split("\n", 1)[0] ?? "";
      this.writeHeader = firstLine.length === 0;
    } else {
      this.text = "";
      writeFileAtomic(this.filename, this.text);
    }
    this.keys = null;
  }

  /** Writes the epoch's row; the first epoch fixes the columns and writes the header. */
  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const resolved = await resolveLogs(logs);
    const row: Record<string, number> = {};
    for (const [k, v] of Object.entries(resolved)) row[this.rename[k] ?? k] = v;
    if (this.keys === null) {
      const keys = Object.keys(row).sort();
      if (keys.length > 0 && !keys.some((k) => k.startsWith("val_"))) {
        keys.push(...keys.map((k) => `val_${k}`));
      }
      this.keys = keys;
      if (this.writeHeader) this.writeLine(["epoch", ...keys]);
    }
    this.writeLine([
      String(epoch),
      ...this.keys.map((k) => (typeof row[k] === "number" ? pyFloat(row[k]) : "NA")),
    ]);
  }

  /** Ends the run's writing. */
  override async onTrainEnd(): Promise<void> {
    this.text = null;
  }

  private writeLine(fields: string[]): void {
    if (this.text === null) {
      this.text = existsSync(this.filename) ? readFileSync(this.filename, "utf8") : "";
    }
    const next = this.text + fields.map((f) => this.quote(f)).join(this.separator) + LINE_END;
    writeFileAtomic(this.filename, next);
    this.text = next;
  }

  /** csv.QUOTE_MINIMAL: quote fields holding the separator, a quote or a line break. */
  private quote(field: string): string {
    if (field.includes(this.separator) || /["\r\n]/.test(field)) {
      return `"${field.replaceAll('"', '""')}"`;
    }
    return field;
  }
}
