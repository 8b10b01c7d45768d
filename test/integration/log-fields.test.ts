import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop } from '../../local/generator';
import { type Stack, startStack } from '../../local/stack';
import { STAGE } from '../../shared/constants';
import { createMemoryMetrics, createPowertoolsLogger } from '../../shared/observability';

/**
 * The four handlers on the embedded stack (real s3rver, SQS and DuckDB), logging through the
 * Powertools logger as they do on AWS: every line a stage writes is parsed and its fields checked.
 */
describe('log fields of one batch through the four stages', () => {
  const lines: Record<string, unknown>[] = [];
  const metrics = createMemoryMetrics();
  let dir: string;
  let stack: Stack;
  let batchId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-fields-'));
    stack = await startStack({
      dataDir: dir,
      log: createPowertoolsLogger({
        level: 'info',
        serviceName: 'shop-pipeline',
        sink: (line) => lines.push(JSON.parse(line)),
      }),
      metrics,
      shop: generateShop({ seed: 7, carts: 25 }),
    });
    ({ batchId } = await stack.ingest('dummyjson', new Date('2026-11-26T03:00:00Z')));
    await stack.settle();
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has a line from each stage carrying the stage, the batch id, the source and the object key', () => {
    // Act
    const byStage = Object.fromEntries(STAGE.map((stage) => [stage, lines.filter((l) => l.stage === stage)]));

    // Assess
    for (const stage of STAGE) {
      expect(byStage[stage], `no log line from ${stage}`).not.toHaveLength(0);
      for (const line of byStage[stage]!) {
        expect(line, `${stage}: ${JSON.stringify(line)}`).toMatchObject({
          level: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR)$/),
          message: expect.any(String),
          timestamp: expect.any(String),
          service: 'shop-pipeline',
          stage,
          batchId,
          source: 'dummyjson',
          key: expect.stringMatching(/\S/),
          function_request_id: expect.any(String),
        });
      }
    }
  });

  it('points each stage’s key at the object it worked from, in that stage’s zone', () => {
    // Act
    const keyOf = (stage: string) => lines.find((l) => l.stage === stage)?.key;

    // Assess
    expect(keyOf('ingest')).toBe(
      'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json',
    );
    expect(keyOf('enrich')).toMatch(/^raw\/source=dummyjson\/.*\/_manifest\.json$/);
    expect(keyOf('convert')).toMatch(/^enriched\/source=dummyjson\/.*\/_manifest\.json$/);
    expect(keyOf('load')).toBe(`curated/_manifests/${batchId}.json`);
  });

  it('correlates the batch across the four functions: one batch id in every stage’s lines and metrics', () => {
    // Act
    const batchIds = new Set(lines.filter((l) => l.stage).map((l) => l.batchId));
    const measured = metrics.measurements.map((m) => [m.stage, m.batchId, m.failed ?? false]);

    // Assess
    expect([...batchIds]).toEqual([batchId]);
    expect(measured).toEqual(STAGE.map((stage) => [stage, batchId, false]));
  });

  it('records the enrich counts that conserve rows (rows in = clean + rejected + duplicates)', () => {
    // Act
    const enrich = metrics.measurements.find((m) => m.stage === 'enrich')!.values;
    const load = metrics.measurements.find((m) => m.stage === 'load')!.values;

    // Assess
    expect(enrich.rowsIn).toBe(
      (enrich.rowsClean ?? 0) + (enrich.rowsRejected ?? 0) + (enrich.duplicates ?? 0),
    );
    expect(enrich.rowsIn).toBeGreaterThan(0);
    expect(load.rowsClean).toBe(enrich.rowsClean);
    expect(load.loadLatency).toBeGreaterThan(0);
  });
});
