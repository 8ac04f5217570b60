/**
 * A training run's report.html: self-contained (no network), loss and accuracy
 * curves, confusion matrix, misclassified images, configuration.
 *
 * @module @graft/report
 */
export { type ChartPoint, type ChartSeries, type LineChartOptions, lineChart } from "./chart.ts";
export { ReportError } from "./errors.ts";
export { escapeHtml } from "./html.ts";
export {
  type AveragedMetrics,
  averageMetrics,
  type ClassMetrics,
  classificationMetrics,
  type Evaluation,
} from "./metrics.ts";
export { crc32, encodePng, type PngChannels, readPngSize } from "./png.ts";
export {
  type EpochLogs,
  type MisclassifiedImage,
  type ReportInput,
  renderReport,
} from "./render.ts";
