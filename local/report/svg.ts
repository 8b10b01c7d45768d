import type { TopLevelSpec } from 'vega-lite';

type Engines = [typeof import('vega'), typeof import('vega-lite')];
let engines: Promise<Engines> | undefined;

/**
 * Load Vega and Vega-Lite (about half a second of module loading): on first use, or earlier, while
 * the pipeline runs, so the report does not wait for it at the end.
 */
export function loadChartEngines(): Promise<Engines> {
  engines ??= Promise.all([import('vega'), import('vega-lite')]);
  return engines;
}

/**
 * Render a Vega-Lite spec to an SVG string in Node (no browser, no canvas): the chart is
 * static markup that opens anywhere, with no script and no network.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadChartEngines();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
