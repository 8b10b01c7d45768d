import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { reportCharts } from './charts';
import { collectReportData, type ReportData } from './data';
import { type RenderedChart, renderHtml } from './html';
import { loadChartEngines, renderSvg } from './svg';

export type { ChartDefinition } from './charts';
export { reportCharts } from './charts';
export type { ReportData, RunPhase, TimelineSpan, ViewName } from './data';
export { collectReportData, timelineOf } from './data';
export { escapeHtml, type Kpi, kpisOf } from './html';

/** Start loading the chart engines now (e.g. while the pipeline runs); `writeRunReport` needs them. */
export function preloadReport(): void {
  loadChartEngines().catch(() => {});
}

/**
 * The run report as one self-contained HTML page: the summary's headline numbers and a chart
 * (Vega-Lite rendered to inline SVG in Node) per analytics view, rejects and stage timings.
 * @example const html = await buildReport(await collectReportData({ warehouse, summary, measurements }));
 */
export async function buildReport(data: ReportData): Promise<string> {
  const charts: RenderedChart[] = [];
  for (const chart of reportCharts(data)) {
    charts.push({ ...chart, svg: chart.spec ? await renderSvg(chart.spec) : null });
  }
  return renderHtml({ title: data.title, generatedAt: data.generatedAt, summary: data.summary, charts });
}

/**
 * Collect the report's data, render it and write it to `path` (folders created); returns the path.
 * @example const path = await writeRunReport({ warehouse, summary, measurements: metrics.measurements, path: 'report.html' });
 */
export async function writeRunReport(
  input: Parameters<typeof collectReportData>[0] & { path: string },
): Promise<string> {
  const html = await buildReport(await collectReportData(input));
  await mkdir(dirname(input.path), { recursive: true });
  await writeFile(input.path, html, 'utf8');
  return input.path;
}
