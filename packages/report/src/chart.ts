/**
 * Line charts as inline SVG: axes with "nice" ticks, a legend, one polyline per
 * series (one point per epoch that has a finite value, so a gap is bridged rather
 * than drawn as a drop to zero) and an optional highlighted epoch. Everything is
 * drawn with presentation attributes, so the chart looks the same without the
 * page's stylesheet and without JavaScript.
 */
import { escapeHtml, formatNumber } from "./html.ts";

/** One point of a series, in data units. */
export interface ChartPoint {
  /** The epoch. */
  x: number;
  /** The value; only finite values are drawn. */
  y: number;
}

/** One line of a chart. */
export interface ChartSeries {
  /** The history key the values come from (`val_loss`), kept as `data-series`. */
  key: string;
  /** Legend text. */
  label: string;
  /** Stroke colour, any SVG colour (`#1f77b4`). */
  color: string;
  /** Draw the line dashed (graft draws validation series so). Default false. */
  dashed?: boolean;
  /** The points, in x order. */
  points: ChartPoint[];
}

/** What `lineChart` draws. */
export interface LineChartOptions {
  /** Kept as `data-chart` on the <svg>. */
  id: string;
  /** Accessible title (an SVG <title>). */
  title: string;
  /** Label under the x axis. */
  xLabel: string;
  /** Label beside the y axis. */
  yLabel: string;
  /** The lines, drawn and listed in the legend in this order. */
  series: ChartSeries[];
  /** An x value to mark with a vertical line and rings on each series (the best epoch). */
  highlightX?: number;
  /** Text above the highlight line. Default "best". */
  highlightLabel?: string;
}

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { top: 34, right: 20, bottom: 46 };
/** Roughly the width of one tick-label character at font-size 12. */
const CHAR_WIDTH = 7;
/** Above this many points per series the markers would merge into a line; draw none. */
const MAX_MARKERS = 60;

interface Axis {
  lo: number;
  hi: number;
  ticks: number[];
  decimals: number;
}

/** A line chart as an inline `<svg>` element (see the module comment); every text is escaped. */
export function lineChart(options: LineChartOptions): string {
  const series = options.series.filter((s) => s.points.length > 0);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  if (xs.length === 0) return "";

  const xAxis = epochAxis(Math.min(...xs), Math.max(...xs));
  const yAxis = valueAxis(Math.min(...ys), Math.max(...ys));
  const yLabels = yAxis.ticks.map((t) => formatTick(t, yAxis.decimals));
  // Room for the longest tick label plus the rotated axis title.
  const left = 34 + CHAR_WIDTH * Math.max(...yLabels.map((l) => l.length));
  const plotW = WIDTH - left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => left + ((x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * plotH;
  const bottom = MARGIN.top + plotH;
  const right = left + plotW;

  const parts: string[] = [];
  parts.push(
    `<svg class="chart" data-chart="${escapeHtml(options.id)}" xmlns="http://www.w3.org/2000/svg" ` +
      `viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" ` +
      `font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${escapeHtml(options.title)}</title>`,
  );

  // Grid and y ticks.
  parts.push('<g class="y-axis" fill="#555" text-anchor="end">');
  yAxis.ticks.forEach((t, i) => {
    const y = r(sy(t));
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`,
      `<text x="${left - 8}" y="${y}" dy="0.32em">${yLabels[i]}</text>`,
    );
  });
  parts.push("</g>");

  // x ticks.
  parts.push('<g class="x-axis" fill="#555" text-anchor="middle">');
  for (const t of xAxis.ticks) {
    const x = r(sx(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#888"/>`,
      `<text x="${x}" y="${bottom + 18}">${formatTick(t, 0)}</text>`,
    );
  }
  parts.push("</g>");

  // Axis lines and labels.
  parts.push(
    `<path d="M${left},${MARGIN.top}V${bottom}H${right}" fill="none" stroke="#888"/>`,
    `<text x="${r(left + plotW / 2)}" y="${HEIGHT - 8}" text-anchor="middle" fill="#333">${escapeHtml(options.xLabel)}</text>`,
    `<text transform="translate(14 ${r(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle" fill="#333">${escapeHtml(options.yLabel)}</text>`,
  );

  const hx = options.highlightX;
  const highlight = hx !== undefined && hx >= xAxis.lo && hx <= xAxis.hi;
  if (highlight) {
    const x = r(sx(hx));
    parts.push(
      `<g class="highlight"><line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${bottom}" stroke="#2a9d4b" stroke-width="1.5" stroke-dasharray="3 3"/>`,
      `<text x="${x}" y="${MARGIN.top - 4}" text-anchor="middle" fill="#2a9d4b" font-weight="600">${escapeHtml(options.highlightLabel ?? "best")}</text></g>`,
    );
  }

  for (const s of series) {
    const color = escapeHtml(s.color);
    const points = s.points.map((p) => `${r(sx(p.x))},${r(sy(p.y))}`).join(" ");
    parts.push(
      `<g class="series" data-series="${escapeHtml(s.key)}">`,
      `<polyline data-series="${escapeHtml(s.key)}" points="${points}" fill="none" stroke="${color}" ` +
        `stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="7 4"' : ""}/>`,
    );
    if (s.points.length <= MAX_MARKERS) {
      for (const p of s.points) {
        parts.push(
          `<circle cx="${r(sx(p.x))}" cy="${r(sy(p.y))}" r="2.5" fill="${color}"><title>${escapeHtml(s.label)} at ${escapeHtml(options.xLabel)} ${formatNumber(p.x)}: ${formatNumber(p.y)}</title></circle>`,
        );
      }
    }
    if (highlight) {
      const at = s.points.find((p) => p.x === hx);
      if (at) {
        parts.push(
          `<circle class="best-marker" cx="${r(sx(at.x))}" cy="${r(sy(at.y))}" r="5.5" fill="none" stroke="${color}" stroke-width="2"/>`,
        );
      }
    }
    parts.push("</g>");
  }

  // Legend, above the plot on the right.
  let lx = right;
  const legend: string[] = [];
  for (const s of [...series].reverse()) {
    const textWidth = s.label.length * 6.6;
    lx -= textWidth;
    legend.unshift(
      `<line x1="${r(lx - 30)}" x2="${r(lx - 6)}" y1="14" y2="14" stroke="${escapeHtml(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="7 4"' : ""}/>`,
      `<text x="${r(lx)}" y="14" dy="0.32em" fill="#333">${escapeHtml(s.label)}</text>`,
    );
    lx -= 44;
  }
  parts.push(`<g class="legend">${legend.join("")}</g>`, "</svg>");
  return parts.join("\n");
}

function r(v: number): number {
  return Math.round(v * 100) / 100;
}

/** 1, 2 or 5 times a power of ten, near `span / count`. */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const n = raw / magnitude;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

function formatTick(value: number, decimals: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || decimals > 6)) return value.toExponential(1);
  return value.toFixed(decimals);
}

/** A value axis that covers [min, max], widened to whole ticks. */
export function valueAxis(min: number, max: number): Axis {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 0.5;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, 5);
  const decimals = decimalsOf(step);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-9; i++) {
    ticks.push(Number((lo + i * step).toFixed(decimals)));
  }
  return { lo, hi, ticks, decimals };
}

/** An epoch axis: integer ticks only; a single epoch sits in the middle. */
export function epochAxis(min: number, max: number): Axis {
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  const step = Math.max(1, Math.ceil(niceStep(hi - lo, 8)));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(t);
  return { lo, hi, ticks, decimals: 0 };
}
