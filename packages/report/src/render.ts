/**
 * `renderReport` turns one training run into a single self-contained HTML page:
 * inline CSS, charts as inline SVG, images as data: URIs, and a Content-Security-Policy
 * that forbids every fetch, so the page renders offline and cannot phone home even if
 * a caller's string slipped through (every caller string is escaped anyway). The page
 * has no script at all.
 */
import { type ChartSeries, lineChart } from "./chart.ts";
import { checkInput } from "./check-input.ts";
import { escapeHtml, formatNumber, formatPercent } from "./html.ts";
import { averageMetrics, classificationMetrics, type Evaluation } from "./metrics.ts";
import { readPngSize } from "./png.ts";
import { STYLES } from "./styles.ts";

/** One epoch's logs, as tfjs-layers' History or CSVLogger gives them; NaN, null or absent = no value. */
export type EpochLogs = Readonly<Record<string, number | null | undefined>>;

/** A validation image the model got wrong, shown in the report's gallery. */
export interface MisclassifiedImage {
  /** Where the image came from (shown, escaped). */
  file: string;
  /** The class it belongs to. */
  trueLabel: string;
  /** The class the model chose. */
  predictedLabel: string;
  /** The model's probability for `predictedLabel`, in [0, 1]. */
  probability: number;
  /** A PNG file (see `encodePng`), embedded as a data: URI. */
  png: Uint8Array;
}

/** Everything `renderReport` shows. */
export interface ReportInput {
  /** The page's title and heading. */
  title: string;
  /** Shown as given (e.g. an ISO timestamp); the page never reads the clock itself. */
  createdAt?: string;
  /** The run's configuration, one row per key; nested values are shown as JSON. */
  config: Readonly<Record<string, unknown>>;
  /**
   * One entry per epoch: `epoch` (defaults to the entry's index), `loss`, `acc` or
   * `accuracy`, `val_loss`, `val_acc` or `val_accuracy`, optionally `learning_rate`
   * (or `lr`); any other keys appear in the history table.
   */
  history: readonly EpochLogs[];
  /** The epoch to highlight, in the same numbering as `history[i].epoch`. Defaults to the lowest val_loss. */
  bestEpoch?: number;
  /** Class names in index order; they label the confusion matrix and the per-class table. */
  classNames: readonly string[];
  /** `confusion[trueClass][predictedClass]` counts on the validation set. */
  confusion?: readonly (readonly number[])[];
  /** Defaults to what `classificationMetrics(confusion)` computes. */
  evaluation?: Evaluation;
  /** Shown in the order given; an empty list reads "none". */
  misclassified?: readonly MisclassifiedImage[];
  /** Lines for a Notes section, shown escaped, in order; absent or empty shows none. */
  notes?: readonly string[];
}

const TRAIN_COLOR = "#1f77b4";
const VAL_COLOR = "#d95f02";
const LR_COLOR = "#6a51a3";
/** Above this many classes the confusion matrix numbers its columns instead of naming them. */
const COMPACT_CLASSES = 12;
/** Misclassified images are scaled by a whole factor up to this many CSS pixels. */
const THUMBNAIL = 128;

const ACC_KEYS = ["acc", "accuracy"];
const VAL_ACC_KEYS = ["val_acc", "val_accuracy"];
const LR_KEYS = ["learning_rate", "lr"];

/**
 * The report as one self-contained HTML page (no scripts, no network: a strict CSP,
 * images as data: URIs). Throws a ReportError naming the field when `input` is malformed.
 */
export function renderReport(input: ReportInput): string {
  checkInput(input);
  const run = analyse(input);
  const evaluation =
    input.evaluation ?? (input.confusion ? classificationMetrics(input.confusion) : undefined);
  const csp =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="@graft/report">',
    `<title>${escapeHtml(input.title)}</title>`,
    `<style>${STYLES}</style>`,
    "</head>",
    "<body>",
    "<main>",
    "<header>",
    `<h1>${escapeHtml(input.title)}</h1>`,
    input.createdAt !== undefined
      ? `<p class="meta">Created ${escapeHtml(input.createdAt)}</p>`
      : "",
    "</header>",
    summarySection(input, run, evaluation),
    curvesSection(run),
    confusionSection(input),
    metricsSection(input.classNames, evaluation),
    misclassifiedSection(input.misclassified),
    historySection(input.history, run),
    configSection(input.config),
    notesSection(input.notes),
    "<footer>Written by @graft/report. This page is self-contained: it loads nothing from the network.</footer>",
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------
// What the history says

interface Point {
  x: number;
  y: number;
}

interface Run {
  epochs: number[];
  loss: Point[];
  valLoss: Point[];
  acc: Point[];
  valAcc: Point[];
  lr: Point[];
  accKey: string;
  valAccKey: string;
  lrKey: string;
  bestEpoch: number | undefined;
  /** Why `bestEpoch` is the best, when the caller did not say. */
  bestReason: string | undefined;
}

function epochOf(entry: EpochLogs, index: number): number {
  const e = entry.epoch;
  return typeof e === "number" && Number.isFinite(e) ? e : index;
}

function points(history: readonly EpochLogs[], key: string): Point[] {
  const out: Point[] = [];
  history.forEach((entry, i) => {
    const v = entry[key];
    if (typeof v === "number" && Number.isFinite(v)) out.push({ x: epochOf(entry, i), y: v });
  });
  return out;
}

/** The first of `keys` that has a value in some epoch (else the first key). */
function pickKey(history: readonly EpochLogs[], keys: readonly string[]): string {
  return keys.find((k) => points(history, k).length > 0) ?? (keys[0] as string);
}

function extreme(series: readonly Point[], better: (a: number, b: number) => boolean) {
  let best: Point | undefined;
  for (const p of series) if (best === undefined || better(p.y, best.y)) best = p;
  return best;
}

function analyse(input: ReportInput): Run {
  const h = input.history;
  const accKey = pickKey(h, ACC_KEYS);
  const valAccKey = pickKey(h, VAL_ACC_KEYS);
  const lrKey = pickKey(h, LR_KEYS);
  const run: Run = {
    epochs: h.map(epochOf),
    loss: points(h, "loss"),
    valLoss: points(h, "val_loss"),
    acc: points(h, accKey),
    valAcc: points(h, valAccKey),
    lr: points(h, lrKey),
    accKey,
    valAccKey,
    lrKey,
    bestEpoch: input.bestEpoch,
    bestReason: undefined,
  };
  if (run.bestEpoch === undefined) {
    const byLoss = extreme(run.valLoss, (a, b) => a < b);
    const byAcc = extreme(run.valAcc, (a, b) => a > b);
    if (byLoss) {
      run.bestEpoch = byLoss.x;
      run.bestReason = "lowest val_loss";
    } else if (byAcc) {
      run.bestEpoch = byAcc.x;
      run.bestReason = `highest ${valAccKey}`;
    }
  }
  return run;
}

function valueAt(series: readonly Point[], x: number | undefined): number | undefined {
  return x === undefined ? undefined : series.find((p) => p.x === x)?.y;
}

/** Accuracies in [0, 1] read best as percentages; anything else is shown as a number. */
function formatAcc(v: number): string {
  return v >= 0 && v <= 1 ? formatPercent(v) : formatNumber(v);
}

// ---------------------------------------------------------------------------
// Sections

function tile(label: string, value: string, detail?: string): string {
  const small = detail ? ` <small>${detail}</small>` : "";
  return `<div class="tile"><dt>${label}</dt><dd>${value}${small}</dd></div>`;
}

function summarySection(input: ReportInput, run: Run, evaluation: Evaluation | undefined) {
  const tiles: string[] = [tile("epochs", String(input.history.length))];
  const best = run.bestEpoch;
  if (best !== undefined) {
    tiles.push(
      tile("best epoch", formatNumber(best), run.bestReason ? escapeHtml(run.bestReason) : ""),
    );
    const bestValLoss = valueAt(run.valLoss, best);
    const bestValAcc = valueAt(run.valAcc, best);
    if (bestValAcc !== undefined) {
      tiles.push(tile(`${escapeHtml(run.valAccKey)} at best epoch`, formatAcc(bestValAcc)));
    }
    if (bestValLoss !== undefined) {
      tiles.push(tile("val_loss at best epoch", formatNumber(bestValLoss)));
    }
  }
  const lastValAcc = run.valAcc.at(-1);
  const topValAcc = extreme(run.valAcc, (a, b) => a > b);
  if (lastValAcc) {
    tiles.push(
      tile(
        `final ${escapeHtml(run.valAccKey)}`,
        formatAcc(lastValAcc.y),
        `epoch ${formatNumber(lastValAcc.x)}`,
      ),
    );
  }
  if (topValAcc) {
    tiles.push(
      tile(
        `best ${escapeHtml(run.valAccKey)}`,
        formatAcc(topValAcc.y),
        `epoch ${formatNumber(topValAcc.x)}`,
      ),
    );
  }
  const hasValidation = run.valLoss.length > 0 || run.valAcc.length > 0;
  if (!hasValidation) {
    const lastLoss = run.loss.at(-1);
    const lastAcc = run.acc.at(-1);
    if (lastLoss) tiles.push(tile("final loss", formatNumber(lastLoss.y)));
    if (lastAcc) tiles.push(tile(`final ${escapeHtml(run.accKey)}`, formatAcc(lastAcc.y)));
  }
  if (evaluation && Number.isFinite(evaluation.accuracy)) {
    tiles.push(tile("validation accuracy", formatPercent(evaluation.accuracy), "evaluation"));
  }
  tiles.push(tile("classes", String(input.classNames.length)));

  const remarks: string[] = [];
  if (input.history.length === 0) remarks.push("The history is empty: no epoch was recorded.");
  else if (!hasValidation) {
    remarks.push(
      "The history has no validation metrics (val_loss, val_acc): curves show training only.",
    );
  }
  return [
    '<section id="summary">',
    `<dl class="tiles">${tiles.join("")}</dl>`,
    ...remarks.map((r) => `<p class="hint">${r}</p>`),
    "</section>",
  ].join("\n");
}

function chartFigure(
  id: string,
  heading: string,
  yLabel: string,
  series: ChartSeries[],
  run: Run,
  caption: string[],
): string {
  const svg = lineChart({
    id,
    title: `${heading} per epoch`,
    xLabel: "epoch",
    yLabel,
    series,
    ...(run.bestEpoch !== undefined ? { highlightX: run.bestEpoch } : {}),
  });
  const body =
    svg === "" ? `<p class="empty">No ${escapeHtml(yLabel)} values in the history.</p>` : svg;
  const notes = caption.length > 0 ? `<figcaption>${caption.join(" ")}</figcaption>` : "";
  return `<figure id="${id}-chart"><h3>${escapeHtml(heading)}</h3>${body}${notes}</figure>`;
}

function curvesSection(run: Run): string {
  const trainVal = (
    train: Point[],
    trainKey: string,
    val: Point[],
    valKey: string,
    caption: string[],
  ): ChartSeries[] => {
    const out: ChartSeries[] = [];
    if (train.length > 0) {
      out.push({ key: trainKey, label: "train", color: TRAIN_COLOR, points: train });
    } else caption.push(`No ${escapeHtml(trainKey)} values.`);
    if (val.length > 0) {
      out.push({ key: valKey, label: "validation", color: VAL_COLOR, dashed: true, points: val });
    } else caption.push(`No ${escapeHtml(valKey)} values.`);
    return out;
  };
  const lossCaption: string[] = [];
  const accCaption: string[] = [];
  const figures = [
    chartFigure(
      "loss",
      "Loss",
      "loss",
      trainVal(run.loss, "loss", run.valLoss, "val_loss", lossCaption),
      run,
      lossCaption,
    ),
    chartFigure(
      "accuracy",
      "Accuracy",
      "accuracy",
      trainVal(run.acc, run.accKey, run.valAcc, run.valAccKey, accCaption),
      run,
      accCaption,
    ),
  ];
  if (run.lr.length > 0) {
    const series = [{ key: run.lrKey, label: "learning rate", color: LR_COLOR, points: run.lr }];
    figures.push(chartFigure("learning-rate", "Learning rate", "learning rate", series, run, []));
  }
  const legendNote =
    run.bestEpoch !== undefined
      ? `<p class="hint">The dashed green line marks the best epoch (${formatNumber(run.bestEpoch)}).</p>`
      : "";
  return [
    '<section id="curves">',
    "<h2>Training curves</h2>",
    `<div class="charts">${figures.join("\n")}</div>`,
    legendNote,
    "</section>",
  ].join("\n");
}

function confusionSection(input: ReportInput): string {
  const head = '<section id="confusion">\n<h2>Confusion matrix (validation)</h2>';
  const m = input.confusion;
  if (!m) return `${head}\n<p class="empty">No confusion matrix was recorded.</p>\n</section>`;
  const names = input.classNames;
  const compact = names.length > COMPACT_CLASSES;
  const rows: string[] = [];
  const header = names
    .map((name, i) =>
      compact
        ? `<th scope="col" title="${escapeHtml(name)}">${i}</th>`
        : `<th scope="col" title="${escapeHtml(name)}"><span class="vertical">${escapeHtml(name)}</span></th>`,
    )
    .join("");
  rows.push(
    `<thead><tr><th class="corner">true ↓ predicted →</th>${header}<th scope="col" class="num">total</th></tr></thead>`,
    "<tbody>",
  );
  m.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const trueName = escapeHtml(names[t] as string);
    const cells = row.map((count, p) => {
      const share = total > 0 ? count / total : 0;
      const predName = escapeHtml(names[p] as string);
      const title = `true ${trueName}, predicted ${predName}: ${count}${total > 0 ? ` (${formatPercent(share)} of ${trueName})` : ""}`;
      if (count === 0) {
        return `<td class="cell zero" data-true="${t}" data-pred="${p}" title="${title}">${compact ? "" : "0"}</td>`;
      }
      // Row-normalised shading: the diagonal in blue, errors in red, so an imbalanced
      // class's mistakes stand out as much as a large one's.
      const alpha = 0.12 + 0.88 * share;
      const rgb = t === p ? "31, 119, 180" : "214, 39, 40";
      const dark = alpha > 0.55 ? " dark" : "";
      const kind = t === p ? "diag" : "off";
      return `<td class="cell ${kind}${dark}" data-true="${t}" data-pred="${p}" style="background-color: rgba(${rgb}, ${alpha.toFixed(3)})" title="${title}">${formatNumber(count)}</td>`;
    });
    const label = compact ? `${t} ${trueName}` : trueName;
    rows.push(
      `<tr><th scope="row" title="${trueName}">${label}</th>${cells.join("")}<td class="total num">${formatNumber(total)}</td></tr>`,
    );
  });
  rows.push("</tbody>");
  const hint = [
    "Rows are true classes, columns predicted classes. Shading is the share of the row:",
    '<span class="swatch" style="background: rgb(31, 119, 180)"></span>correct',
    '<span class="swatch" style="background: rgb(214, 39, 40)"></span>confused.',
    compact ? "Columns are numbered as the rows; hover a cell for its classes." : "",
  ].join(" ");
  return [
    head,
    `<p class="hint">${hint}</p>`,
    `<div class="scroll"><table class="confusion${compact ? " compact" : ""}">${rows.join("\n")}</table></div>`,
    "</section>",
  ].join("\n");
}

function metric(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : "—";
}

function metricsSection(classNames: readonly string[], evaluation: Evaluation | undefined) {
  const head = '<section id="per-class">\n<h2>Per-class precision, recall and F1</h2>';
  if (!evaluation) return `${head}\n<p class="empty">No evaluation was recorded.</p>\n</section>`;
  const avg = averageMetrics(evaluation.perClass);
  const body = evaluation.perClass
    .map(
      (m, i) =>
        `<tr><th scope="row">${escapeHtml(classNames[i] as string)}</th><td class="num">${metric(m.precision)}</td><td class="num">${metric(m.recall)}</td><td class="num">${metric(m.f1)}</td><td class="num">${formatNumber(m.support)}</td></tr>`,
    )
    .join("\n");
  const avgRow = (name: string, a: typeof avg.macro) =>
    `<tr><th scope="row">${name}</th><td class="num">${metric(a.precision)}</td><td class="num">${metric(a.recall)}</td><td class="num">${metric(a.f1)}</td><td class="num">${formatNumber(a.support)}</td></tr>`;
  return [
    head,
    '<div class="scroll"><table class="data metrics">',
    '<thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead>',
    `<tbody>${body}</tbody>`,
    "<tfoot>",
    `<tr><th scope="row">accuracy</th><td></td><td></td><td class="num">${metric(evaluation.accuracy)}</td><td class="num">${formatNumber(avg.macro.support)}</td></tr>`,
    avgRow("macro avg", avg.macro),
    avgRow("weighted avg", avg.weighted),
    "</tfoot></table></div>",
    '<p class="hint">“—”: undefined (a class never predicted, or without samples); averages count it as 0, as sklearn does.</p>',
    "</section>",
  ].join("\n");
}

function misclassifiedSection(images: readonly MisclassifiedImage[] | undefined): string {
  const head = '<section id="misclassified">\n<h2>Misclassified validation images</h2>';
  if (!images) return `${head}\n<p class="empty">Not recorded.</p>\n</section>`;
  if (images.length === 0) {
    return `${head}\n<p class="empty">none</p>\n</section>`;
  }
  const figures = images.map((im) => {
    const { width, height } = readPngSize(im.png);
    const side = Math.max(width, height);
    const scale = side <= THUMBNAIL ? Math.floor(THUMBNAIL / side) : THUMBNAIL / side;
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const src = `data:image/png;base64,${Buffer.from(im.png.buffer, im.png.byteOffset, im.png.byteLength).toString("base64")}`;
    const file = escapeHtml(im.file);
    const truth = escapeHtml(im.trueLabel);
    const pred = escapeHtml(im.predictedLabel);
    return [
      "<figure>",
      `<img src="${src}" width="${w}" height="${h}" alt="${file}: ${truth} predicted as ${pred}">`,
      `<figcaption><span class="file" title="${file}">${file}</span>`,
      `<span class="pred">predicted <b>${pred}</b> (${formatPercent(im.probability)})</span><br>`,
      `<span class="true">true <b>${truth}</b></span></figcaption>`,
      "</figure>",
    ].join("");
  });
  return [
    head,
    `<p class="hint">${images.length} image${images.length === 1 ? "" : "s"}, shown enlarged without smoothing.</p>`,
    `<div class="grid">${figures.join("\n")}</div>`,
    "</section>",
  ].join("\n");
}

function historySection(history: readonly EpochLogs[], run: Run): string {
  const head = '<section id="history">\n<h2>History</h2>';
  if (history.length === 0) return `${head}\n<p class="empty">No epochs.</p>\n</section>`;
  const keys = ["epoch"];
  for (const entry of history)
    for (const k of Object.keys(entry)) if (!keys.includes(k)) keys.push(k);
  const cell = (v: number | null | undefined) => (typeof v === "number" ? formatNumber(v) : "—");
  const rows = history.map((entry, i) => {
    const epoch = run.epochs[i] as number;
    const best = epoch === run.bestEpoch ? ' class="best"' : "";
    const values = keys.map(
      (k) => `<td class="num">${cell(k === "epoch" ? epoch : entry[k])}</td>`,
    );
    return `<tr${best}>${values.join("")}</tr>`;
  });
  return [
    head,
    `<details${history.length <= 20 ? " open" : ""}><summary>${history.length} epoch${history.length === 1 ? "" : "s"}</summary>`,
    '<div class="scroll"><table class="data history">',
    `<thead><tr>${keys.map((k) => `<th class="num">${escapeHtml(k)}</th>`).join("")}</tr></thead>`,
    `<tbody>${rows.join("\n")}</tbody></table></div></details>`,
    "</section>",
  ].join("\n");
}

function configValue(value: unknown): string {
  if (typeof value === "string") return escapeHtml(value);
  if (value === undefined) return "<code>undefined</code>";
  if (typeof value === "number") return `<code>${escapeHtml(formatNumber(value, 17))}</code>`;
  let json: string;
  try {
    json =
      JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ??
      String(value);
    if (json.length > 80) {
      json = JSON.stringify(
        value,
        (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
        2,
      );
    }
  } catch {
    json = `[${typeof value} that JSON cannot represent]`;
  }
  return `<pre>${escapeHtml(json)}</pre>`;
}

function configSection(config: Readonly<Record<string, unknown>>): string {
  const head = '<section id="config">\n<h2>Configuration</h2>';
  const entries = Object.entries(config);
  if (entries.length === 0) return `${head}\n<p class="empty">Empty.</p>\n</section>`;
  const rows = entries.map(
    ([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${configValue(v)}</td></tr>`,
  );
  return [
    head,
    `<table class="data config"><tbody>${rows.join("\n")}</tbody></table>`,
    "</section>",
  ].join("\n");
}

function notesSection(notes: readonly string[] | undefined): string {
  if (!notes || notes.length === 0) return "";
  return [
    '<section id="notes">',
    "<h2>Notes</h2>",
    `<ul>${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`,
    "</section>",
  ].join("\n");
}
