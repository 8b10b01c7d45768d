import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpisOf } from '../../local/report';
import type { RunSummary } from '../../local/summary';
import { toCents } from '../../shared/domain/money';

const root = resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const screenshot = join(root, 'test-output', 'report', 'report.png');

/** The charts the report must draw for a run with rejects, in page order. */
const CHARTS = [
  'daily',
  'category',
  'country',
  'customers',
  'status',
  'channel',
  'payment',
  'rejects',
  'timings',
];

/** The little of the DOM the page checks use (the project compiles without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): { width: number; height: number };
  textContent: string | null;
}

/** What the test reads of one chart section in the browser. */
interface ChartOnPage {
  id: string | null;
  marks: number;
  texts: string[];
  width: number;
  height: number;
  table: string[][];
}

const cents = (text: string) => toCents(text.replace(/,/g, '')) ?? Number.NaN;

/**
 * `npm start` writes a self-contained HTML report beside the warehouse. The run here is the real
 * CLI on the embedded stack; the page is checked as text and in headless Chromium, and a
 * screenshot is saved under test-output/report/.
 */
describe('the run report of npm start', () => {
  let dir: string;
  let summary: RunSummary;
  let reportPath: string;
  let html: string;
  let stderr: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-'));
    const out = await promisify(execFile)(
      'npx',
      ['tsx', 'local/cli.ts', '--json', '--data-dir', join(dir, 'run'), '--seed', '42', '--carts', '120'],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 60_000 },
    );
    summary = JSON.parse(out.stdout) as RunSummary;
    stderr = out.stderr;
    reportPath = join(dir, 'run', 'report.html');
    html = await readFile(reportPath, 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the report’s path and keeps stdout to the JSON summary', () => {
    // Assess
    expect(stderr).toContain(`report: ${reportPath}`);
    expect(summary.orderLines).toBeGreaterThan(0);
  });

  it('is one self-contained page: no script, nothing fetched from a network', () => {
    // Assess
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toContain("default-src 'none'");
  });

  it('shows the summary’s numbers as its headline figures', () => {
    // Assess
    for (const kpi of kpisOf(summary)) {
      expect(html).toContain(`data-metric="${kpi.metric}" data-value="${kpi.value}"`);
      expect(html).toContain(`<span class="kpi-value">${kpi.text}</span>`);
    }
  });

  it.skipIf(!hasChromium)(
    `renders every chart as SVG in headless Chromium with numbers matching the summary${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} missing; apt-get install -y chromium)`}`,
    async () => {
      // Prepare
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM });
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const requests: string[] = [];
        page.on('request', (request) => requests.push(request.url()));

        // Act
        await page.goto(pathToFileURL(reportPath).href);
        await mkdir(join(root, 'test-output', 'report'), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true });
        await page.$$eval('details', (all) => {
          for (const details of all) details.setAttribute('open', '');
        });
        const charts: ChartOnPage[] = await page.$$eval('section[data-chart]', (sections) =>
          (sections as unknown as PageElement[]).map((section) => {
            const svg = section.querySelector('figure svg');
            const box = svg?.getBoundingClientRect();
            return {
              id: section.getAttribute('data-chart'),
              marks: svg?.querySelectorAll('g[class*="mark-"] > path, g[class*="mark-"] > line').length ?? 0,
              texts: svg ? Array.from(svg.querySelectorAll('text'), (t) => t.textContent ?? '') : [],
              width: box?.width ?? 0,
              height: box?.height ?? 0,
              table: Array.from(section.querySelectorAll('tbody tr'), (tr) =>
                Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? ''),
              ),
            };
          }),
        );
        const kpis = await page.$$eval('.kpi', (tiles) =>
          tiles.map((tile) => [
            tile.getAttribute('data-metric'),
            tile.querySelector('.kpi-value')?.textContent,
          ]),
        );

        // Assess: every chart drawn, with marks, at a visible size
        expect(charts.map((c) => c.id)).toEqual(CHARTS);
        for (const chart of charts) {
          expect(chart.marks, `${chart.id} has no marks`).toBeGreaterThan(0);
          expect(chart.width, `${chart.id} has no width`).toBeGreaterThan(100);
          expect(chart.height, `${chart.id} has no height`).toBeGreaterThan(50);
        }
        // Assess: the numbers on the page are the summary's
        expect(Object.fromEntries(kpis)).toEqual(
          Object.fromEntries(kpisOf(summary).map((k) => [k.metric, k.text])),
        );
        const byId: Record<string, ChartOnPage> = Object.fromEntries(charts.map((c) => [String(c.id), c]));
        const dailyRevenue = byId.daily!.table.reduce((sum, row) => sum + cents(row[2]!), 0);
        const dailyProfit = byId.daily!.table.reduce((sum, row) => sum + cents(row[3]!), 0);
        expect(dailyRevenue).toBe(cents(summary.revenue.toFixed(2)));
        expect(dailyProfit).toBe(cents(summary.profit.toFixed(2)));
        expect(Object.fromEntries(byId.rejects!.table.map(([reason, n]) => [reason, Number(n)]))).toEqual(
          summary.rejectsByReason,
        );
        expect(byId.rejects!.texts).toEqual(expect.arrayContaining(Object.keys(summary.rejectsByReason)));
        const categoryRevenue = byId.category!.table.reduce((sum, row) => sum + cents(row[2]!), 0);
        expect(categoryRevenue).toBe(cents(summary.revenue.toFixed(2)));
        // Assess: the timings chart shows the four stages and the stack's start-up
        expect(new Set(byId.timings!.table.map((row) => row[0]))).toEqual(
          new Set(['stack start', 'ingest', 'enrich', 'convert', 'load']),
        );
        expect(byId.timings!.texts).toEqual(expect.arrayContaining(['ingest', 'enrich', 'convert', 'load']));
        // Assess: the page fetched nothing but itself
        expect(requests).toEqual([pathToFileURL(reportPath).href]);
        expect((await stat(screenshot)).size).toBeGreaterThan(20_000);
      } finally {
        await browser?.close();
      }
    },
  );
});
