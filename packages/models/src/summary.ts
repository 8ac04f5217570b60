import type * as tfl from "@tensorflow/tfjs-layers";

/** One layer's line of the summary. */
export interface SummaryRow {
  /** The layer's name. */
  name: string;
  /** Its class as Keras prints it (`Conv2D`, `Dense`; `Functional` for a nested model). */
  className: string;
  /** Its output shape as Keras prints it, e.g. `(None, 112, 112, 64)`. */
  outputShape: string;
  /** Number of weights (trainable or not). */
  params: number;
  /** Whether the layer is trainable (`freezeLayers` turns this off). */
  trainable: boolean;
}

/** What `summarize` returns: Keras' `model.summary()` as data. */
export interface ModelSummary {
  /** The model's name. */
  name: string;
  /** One row per layer, in model order. */
  rows: SummaryRow[];
  /** Every weight, trainable and not. */
  totalParams: number;
  /** Weights that training updates. */
  trainableParams: number;
  /** Weights of frozen layers (and other non-trainable variables). */
  nonTrainableParams: number;
}

function countOf(vars: readonly { shape: readonly (number | null)[] }[]): number {
  return vars.reduce((s, v) => s + v.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}

function shapeText(shape: unknown): string {
  const one = (s: readonly (number | null)[]) =>
    `(${s.map((d) => (d === null ? "None" : String(d))).join(", ")}${s.length === 1 ? "," : ""})`;
  if (Array.isArray(shape) && Array.isArray(shape[0]))
    return (shape as (number | null)[][]).map(one).join(", ");
  return one(shape as (number | null)[]);
}

/** Keras' summary as data: each layer with type, output shape and parameter count, and the totals. */
export function summarize(model: tfl.LayersModel): ModelSummary {
  const rows = model.layers.map((l) => ({
    name: l.name,
    className: l.getClassName() === "Model" ? "Functional" : l.getClassName(),
    outputShape: shapeText(l.outputShape),
    params: countOf(l.weights),
    trainable: l.trainable,
  }));
  const trainableParams = countOf(model.trainableWeights);
  const nonTrainableParams = countOf(model.nonTrainableWeights);
  return {
    name: model.name,
    rows,
    totalParams: trainableParams + nonTrainableParams,
    trainableParams,
    nonTrainableParams,
  };
}

/** 20024384 → "20,024,384". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Keras' readable_memory_size for float32 parameters: 80097536 B → "76.39 MB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

/**
 * The summary as Keras 3 prints it (a box-drawn table, then totals with
 * their size in float32). `showTrainable` adds Keras' "Trainable" column.
 */
export function formatSummary(
  summary: ModelSummary,
  options: { showTrainable?: boolean } = {},
): string {
  const header = [
    "Layer (type)",
    "Output Shape",
    "Param #",
    ...(options.showTrainable ? ["Trainable"] : []),
  ];
  const body = summary.rows.map((r) => [
    `${r.name} (${r.className})`,
    r.outputShape,
    formatCount(r.params),
    ...(options.showTrainable ? [r.trainable ? "Y" : "N"] : []),
  ]);
  const widths = header.map(
    (h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)) + 2,
  );
  const rightAligned = (i: number) => i === 2;
  const cell = (text: string, i: number) => {
    const w = (widths[i] as number) - 2;
    return ` ${rightAligned(i) ? text.padStart(w) : text.padEnd(w)} `;
  };
  const line = (l: string, fill: string, mid: string, r: string) =>
    l + widths.map((w) => fill.repeat(w)).join(mid) + r;
  const out: string[] = [`Model: "${summary.name}"`];
  out.push(line("┏", "━", "┳", "┓"));
  out.push(`┃${header.map(cell).join("┃")}┃`);
  out.push(line("┡", "━", "╇", "┩"));
  body.forEach((row, k) => {
    out.push(`│${row.map(cell).join("│")}│`);
    if (k < body.length - 1) out.push(line("├", "─", "┼", "┤"));
  });
  out.push(line("└", "─", "┴", "┘"));
  const total = (label: string, n: number) =>
    ` ${label}: ${formatCount(n)} (${formatBytes(n * 4)})`;
  out.push(total("Total params", summary.totalParams));
  out.push(total("Trainable params", summary.trainableParams));
  out.push(total("Non-trainable params", summary.nonTrainableParams));
  return out.join("\n");
}
