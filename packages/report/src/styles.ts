/** The report's whole stylesheet, inlined into <style>; system fonts only, so nothing is fetched. */
export const STYLES = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5d6874; --line: #dde2e7; --bg-soft: #f5f7f9; --accent: #1f77b4; --good: #2a9d4b; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 6px; color: var(--muted); font-weight: 600; }
.meta, .hint, .empty { color: var(--muted); }
.empty { font-style: italic; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0 0; padding: 0; }
.tile { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.tile dt { color: var(--muted); font-size: 12px; }
.tile dd { margin: 2px 0 0; font-size: 18px; font-weight: 600; }
.tile dd small { font-size: 12px; font-weight: 400; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 20px; }
.charts figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.charts figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
svg.chart { display: block; width: 100%; height: auto; max-width: 640px; }
table { border-collapse: collapse; }
th, td { padding: 4px 8px; text-align: left; vertical-align: top; }
tfoot td, tfoot th { font-weight: 600; }
.data th, .data td { border-bottom: 1px solid var(--line); }
.data thead th { background: var(--bg-soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #e9f6ec; }
.scroll { overflow: auto; max-width: 100%; }
table.confusion { font-variant-numeric: tabular-nums; }
table.confusion td { width: 3.2em; min-width: 3.2em; height: 2.2em; text-align: center; vertical-align: middle; border: 1px solid #fff; }
table.confusion th { font-weight: 500; vertical-align: bottom; }
table.confusion thead th { text-align: center; }
table.confusion .vertical { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; max-height: 12em; overflow: hidden; text-overflow: ellipsis; }
table.confusion tbody th { white-space: nowrap; text-align: right; max-width: 16em; overflow: hidden; text-overflow: ellipsis; }
table.confusion td.zero { color: #b9c0c7; }
table.confusion td.dark { color: #fff; }
table.confusion td.total { color: var(--muted); background: var(--bg-soft); }
table.confusion .corner { color: var(--muted); font-size: 11px; text-align: right; }
table.confusion.compact { font-size: 10px; }
table.confusion.compact td { width: 1.8em; min-width: 1.8em; height: 1.8em; padding: 0; }
table.confusion.compact th { padding: 1px 3px; }
table.confusion.compact tbody th { max-width: 10em; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; vertical-align: baseline; margin: 0 3px 0 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 12px; }
.grid figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; text-align: center; background: var(--bg-soft); }
.grid img { image-rendering: pixelated; display: block; margin: 0 auto 6px; background: #fff; max-width: 100%; height: auto; }
.grid figcaption { font-size: 12px; text-align: left; }
.grid .file { display: block; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.grid .pred { color: #b42318; }
.grid .true { color: var(--good); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.config td:first-child { font-weight: 600; white-space: nowrap; }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print { .scroll { overflow: visible; } .charts { grid-template-columns: 1fr; } }
`;
