import type { RunSummary } from '../summary';
import type { ChartDefinition } from './charts';

/** A chart with its SVG rendered (or null when it has nothing to draw). */
export interface RenderedChart extends ChartDefinition {
  svg: string | null;
}

/** One headline number of the run. */
export interface Kpi {
  metric: keyof RunSummary;
  label: string;
  value: number;
  text: string;
  tone?: 'good' | 'bad';
}

const money = (value: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (value: number) => value.toLocaleString('en-US');

/** The summary's headline numbers, formatted as the page shows them. */
export function kpisOf(s: RunSummary): Kpi[] {
  return [
    { metric: 'orders', label: 'Orders', value: s.orders, text: count(s.orders) },
    { metric: 'orderLines', label: 'Order lines', value: s.orderLines, text: count(s.orderLines) },
    { metric: 'revenue', label: 'Revenue', value: s.revenue, text: money(s.revenue) },
    { metric: 'netRevenue', label: 'Net revenue', value: s.netRevenue, text: money(s.netRevenue) },
    { metric: 'cost', label: 'Cost', value: s.cost, text: money(s.cost) },
    { metric: 'profit', label: 'Profit', value: s.profit, text: money(s.profit), tone: 'good' },
    { metric: 'margin', label: 'Margin', value: s.margin, text: `${(s.margin * 100).toFixed(2)} %` },
    {
      metric: 'rejected',
      label: 'Rejected',
      value: s.rejected,
      text: count(s.rejected),
      ...(s.rejected > 0 ? { tone: 'bad' as const } : {}),
    },
    { metric: 'duplicates', label: 'Duplicates', value: s.duplicates, text: count(s.duplicates) },
  ];
}

/** Text as HTML (element content and attribute values). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The whole report as one HTML document: inline CSS and SVG, no script, nothing fetched. */
export function renderHtml(input: {
  title: string;
  generatedAt: Date;
  summary: RunSummary;
  charts: RenderedChart[];
}): string {
  const { summary } = input;
  const linesIn = summary.orderLines + summary.rejected + summary.duplicates;
  const rejectShare = linesIn > 0 ? ((summary.rejected / linesIn) * 100).toFixed(2) : '0.00';
  const kpis = kpisOf(summary)
    .map(
      (k) => `<div class="kpi${k.tone ? ` ${k.tone}` : ''}" data-metric="${k.metric}" data-value="${k.value}">
        <span class="kpi-label">${escapeHtml(k.label)}</span><span class="kpi-value">${escapeHtml(k.text)}</span>
      </div>`,
    )
    .join('\n      ');
  const charts = input.charts.map(renderChart).join('\n    ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
  <header>
    <h1>${escapeHtml(input.title)}</h1>
    <p class="meta">Batches <code>${escapeHtml(summary.batches.join(', ') || 'none')}</code> &middot;
      generated <time datetime="${input.generatedAt.toISOString()}">${escapeHtml(formatTime(input.generatedAt))}</time></p>
  </header>
  <main>
    <section class="kpis" aria-label="Run summary">
      ${kpis}
    </section>
    <p class="note">${count(summary.rejected)} of ${count(linesIn)} order lines rejected (${rejectShare} %),
      ${count(summary.duplicates)} duplicates dropped; margin = profit / revenue. The charts read the
      warehouse's analytics views.</p>
    <div class="grid">
    ${charts}
    </div>
  </main>
  <footer>Written by <code>npm start</code>. Self-contained: inline SVG charts (Vega-Lite), no script, nothing fetched.</footer>
</body>
</html>
`;
}

function renderChart(chart: RenderedChart): string {
  const isNumber = (cell: string | number) => typeof cell === 'number' || /^-?[\d,.]+( %)?$/.test(cell);
  const numeric = chart.table.columns.map(
    (_, i) => chart.table.rows.length > 0 && chart.table.rows.every((row) => isNumber(row[i] ?? '')),
  );
  const cls = (i: number) => (numeric[i] ? ' class="num"' : '');
  const head = chart.table.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c)}</th>`).join('');
  const rows = chart.table.rows
    .map(
      (row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${escapeHtml(String(cell))}</td>`).join('')}</tr>`,
    )
    .join('');
  const body = chart.svg
    ? `<figure class="chart">${chart.svg}</figure>`
    : `<p class="empty">${escapeHtml(chart.empty)}</p>`;
  return `<section class="card${chart.id === 'timings' ? ' wide' : ''}" id="chart-${chart.id}" data-chart="${chart.id}">
      <h2>${escapeHtml(chart.title)}</h2>
      <p class="sub">${escapeHtml(chart.subtitle)}</p>
      ${body}
      <details><summary>Data</summary><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></details>
    </section>`;
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const CSS = `
:root { color-scheme: light; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --card: #ffffff; --bg: #f1f5f9; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { background: #0f172a; color: #f8fafc; padding: 24px 32px 20px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; letter-spacing: -0.01em; }
header .meta { margin: 0; color: #cbd5e1; font-size: 13px; }
header code { color: #e2e8f0; }
main { padding: 20px 32px 8px; max-width: 1280px; margin: 0 auto; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(172px, 1fr)); gap: 10px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px;
  display: flex; flex-direction: column; gap: 2px; }
.kpi-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.kpi-value { font-size: 19px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi.good .kpi-value { color: #15803d; }
.kpi.bad .kpi-value { color: #b91c1c; }
.note { color: var(--muted); font-size: 13px; margin: 12px 2px 18px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px 12px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.card h2 { margin: 0; font-size: 16px; font-weight: 650; }
.card .sub { margin: 2px 0 10px; color: var(--muted); font-size: 12.5px; }
.chart { margin: 0; overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; display: block; }
.empty { color: var(--muted); font-style: italic; padding: 24px 0; margin: 0; }
details { margin-top: 8px; font-size: 12.5px; }
summary { cursor: pointer; color: var(--muted); }
table { border-collapse: collapse; margin-top: 6px; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); }
th.num { text-align: right; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; padding: 8px 32px 24px; max-width: 1280px; margin: 0 auto; }
`;
