import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDrop } from '../../local/drop-writer';
import type { DropReport } from '../../local/generator';
import type { RunSummary } from '../../local/summary';
import { formatCents } from '../../shared/domain/money';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Run the real CLI (`npm start`'s command) as a child process. */
async function npmStart(args: string[]) {
  try {
    // node with tsx's loader, not `npx tsx`: the same CLI, a second less to start.
    const out = await run(process.execPath, ['--import', 'tsx', 'local/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      timeout: 60_000,
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * Two events beside the generated drop, in a gzipped JSON Lines file with a BOM, CRLF line ends,
 * blank lines and one line cut short: 2 valid events (revenue 2 x 10.00 + 1 x 4.50) and 1 unparseable.
 */
const EDGE_EVENTS = gzipSync(
  `\ufeff${[
    '{"event_id":"EDGE-1","event_ts":"2026-11-20T08:00:00Z","customer_id":"CE1","customer_name":"Edge Case","country":"Iceland","product_id":"PE1","product_name":"Edge Mug","category":"home-decoration","quantity":2,"unit_price":"10.00","total_amount":"20.00"}',
    '',
    '{"event_id":"EDGE-2","event_ts":"2026-11-21T09:30:00+01:00","customer_id":"CE1","customer_name":"Edge Case","country":"Iceland","product_id":"PE2","product_name":"Edge Spoon","category":"home-decoration","quantity":1,"unit_price":4.5,"total_amount":4.5}',
    '{"event_id":"EDGE-3","event_ts":"2026-11-2',
    '',
  ].join('\r\n')}`,
);
const EDGE = { valid: 2, unparseable: 1, revenueCents: 2_450 };

describe('npm start -- --files (file drops through the whole pipeline)', () => {
  let dir: string;
  let drop: string;
  let report: DropReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'files-e2e-'));
    drop = join(dir, 'drop');
    report = await writeDrop(drop, { seed: 7, customers: 30, products: 20, orders: 400, invalidRate: 0.1 });
    await writeFile(join(dir, 'events-edge.jsonl.gz'), EDGE_EVENTS);
    await writeFile(join(dir, 'sales-empty.jsonl'), '');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the valid events the generator wrote and rejects the invalid ones, nothing missing', async () => {
    // Act
    const result = await npmStart([
      '--json',
      '--data-dir',
      join(dir, 'run'),
      '--files',
      drop,
      join(dir, 'events-edge.jsonl.gz'),
      join(dir, 'sales-empty.jsonl'),
    ]);

    // Assess
    expect(result.stderr).not.toMatch(/pipeline run failed/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.batches).toHaveLength(6);
    expect(summary.batches.every((id) => id.startsWith('files-'))).toBe(true);
    expect(report.valid + report.invalid).toBe(400);
    expect(summary.orderLines).toBe(report.valid + EDGE.valid);
    expect(summary.orders).toBe(report.valid + EDGE.valid);
    expect(summary.revenue.toFixed(2)).toBe(formatCents(report.revenueCents + EDGE.revenueCents));
    expect(summary.duplicates).toBe(report.duplicates);
    expect(summary.rejected).toBe(report.rejected + EDGE.unparseable);
    expect(summary.rejectsByReason).toEqual({
      ...report.rejectsByReason,
      UNPARSEABLE: (report.rejectsByReason.UNPARSEABLE ?? 0) + EDGE.unparseable,
    });
    expect(summary.orderLines + summary.rejected + summary.duplicates).toBe(400 + 3);
  });
});
