import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTotals, findAnomalies, generateShop } from '../../local/generator';
import type { RunSummary } from '../../local/summary';
import { ANALYTICS_VIEWS } from '../../shared/constants';
import { formatCents } from '../../shared/domain/money';
import { API_SOURCE_NAMES } from '../../shared/domain/sources';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Run the real CLI (`npm start`'s command) as a child process. */
async function npmStart(args: string[], env: Record<string, string> = {}) {
  try {
    const out = await run('npx', ['tsx', 'local/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm start (the whole pipeline on the embedded stack)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'npm-start-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a JSON summary whose money equals the sums computed from the generator', async () => {
    // Prepare: the reference totals, computed from the same seeded shop the embedded API serves;
    // by default every API source (DummyJSON and FakeStore shapes of that shop) is ingested once.
    const shop = generateShop({ seed: 42, carts: 120 });
    const sources = API_SOURCE_NAMES.length;
    const expected = expectedTotals(shop);
    const anomalies = findAnomalies(shop);
    const byReason: Record<string, number> = {};
    for (const a of anomalies) byReason[a.reason] = (byReason[a.reason] ?? 0) + sources;

    // Act
    const result = await npmStart([
      '--json',
      '--data-dir',
      join(dir, 'run'),
      '--seed',
      '42',
      '--carts',
      '120',
    ]);

    // Assess
    expect(result.stderr).not.toMatch(/pipeline run failed/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.batches).toHaveLength(sources);
    expect(summary.orders).toBe(expected.orders * sources);
    expect(summary.orderLines).toBe(expected.validLines * sources);
    expect(summary.revenue.toFixed(2)).toBe(formatCents(expected.revenueCents * sources));
    expect(summary.rejected).toBe(anomalies.length * sources);
    expect(summary.rejectsByReason).toEqual(byReason);
    expect(summary.duplicates).toBe(0);
    expect(Math.round(summary.profit * 100)).toBe(
      Math.round(summary.revenue * 100) - Math.round(summary.cost * 100),
    );
    expect(summary.margin).toBeGreaterThan(0);
    expect(summary.margin).toBeLessThan(1);
    expect(existsSync(join(dir, 'run', 'warehouse.duckdb'))).toBe(true);
  });

  it('prints the summary and every analytics view as tables', async () => {
    // Act
    const result = await npmStart(['--data-dir', join(dir, 'tables'), '--carts', '10']);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/revenue\s+\d+\.\d{2}/);
    for (const { name: view } of ANALYTICS_VIEWS) {
      expect(result.stdout).toContain(view);
    }
  });

  it('exits non-zero and names the URL when the shop API cannot be reached', async () => {
    // Act: port 9 (discard) on loopback: nothing listens
    const result = await npmStart(['--json', '--data-dir', join(dir, 'down')], {
      DUMMYJSON_BASE_URL: 'http://127.0.0.1:9',
      HTTP_MAX_ATTEMPTS: '2',
    });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /pipeline run failed \(SOURCE_HTTP\): GET http:\/\/127\.0\.0\.1:9\/users\?limit=\d+&skip=0/,
    );
  });

  it('extracts an embedded PostgreSQL seeded from the generator with --source postgres', async () => {
    // Prepare: the database holds the shop's valid lines (its constraints refuse the anomalies)
    const shop = generateShop({ seed: 9, carts: 40 });
    const expected = expectedTotals(shop);

    // Act: PG* variables unset, so the stack serves PGlite over the wire protocol
    const env = { PGHOST: '', PGPORT: '', PGDATABASE: '', PGUSER: '', PGPASSWORD: '' };
    const result = await npmStart(
      ['--json', '--source', 'postgres', '--data-dir', join(dir, 'postgres'), '--seed', '9', '--carts', '40'],
      env,
    );

    // Assess
    expect(result.stderr).not.toMatch(/pipeline run failed/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.batches).toEqual([expect.stringMatching(/^postgres-\d{8}T\d{6}Z$/)]);
    expect(summary.orders).toBe(expected.orders);
    expect(summary.orderLines).toBe(expected.validLines);
    expect(summary.revenue.toFixed(2)).toBe(formatCents(expected.revenueCents));
    expect(summary.rejected).toBe(0);
    expect(summary.deletedOrders).toBe(0);
  });
});
