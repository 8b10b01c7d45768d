import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKETS, type Stack, startStack } from '../../local/stack';
import { getText } from '../../shared/adapters/object-store';
import { isManifestKey } from '../../shared/domain/layout';
import type { EnrichedManifest, RawManifest } from '../../shared/domain/manifest';
import { createLogger } from '../../shared/logger';
import { buildCorpus, CORPUS, CORPUS_ORDER_RECORDS } from '../fixtures/build-corpus';

const BUCKET = LOCAL_BUCKETS.RawBucket;

describe('the bad-input corpus dropped into landing/', () => {
  let dir: string;
  let stack: Stack;
  let raw: RawManifest[];
  let enriched: EnrichedManifest[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corpus-'));
    const paths = await buildCorpus(join(dir, 'corpus'));
    stack = await startStack({ dataDir: join(dir, 'run'), log: createLogger('silent') });
    await stack.dropFiles(paths);
    await stack.settle();
    const manifests = async <T>(prefix: string): Promise<T[]> => {
      const keys = (await stack.runtime.store.list(BUCKET, prefix)).map((o) => o.key).filter(isManifestKey);
      return Promise.all(
        keys.map(async (key) => JSON.parse(await getText(stack.runtime.store, BUCKET, key)) as T),
      );
    };
    raw = await manifests<RawManifest>('raw/source=files/');
    enriched = await manifests<EnrichedManifest>('enriched/source=files/');
  });

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests every file without a crash or a dead letter', async () => {
    // Assess
    expect(await stack.deadLetters()).toEqual([]);
    expect(stack.errors).toEqual([]);
    const ingested = raw.map((m) => basename(m.files[0]?.url ?? ''));
    expect(ingested.sort()).toEqual(Object.keys(CORPUS).sort());
    expect(enriched).toHaveLength(raw.length);
  });

  it('reads each file into the records it holds', () => {
    // Assess
    const records = Object.fromEntries(
      raw.map((m) => [basename(m.files[0]?.url ?? ''), Object.values(m.totals).reduce((a, b) => a + b, 0)]),
    );
    for (const [name, expected] of Object.entries(CORPUS_ORDER_RECORDS))
      expect([name, records[name]]).toEqual([name, expected]);
  });

  it('accounts for every order record: clean, rejected with a reason, or a duplicate', async () => {
    // Assess: per batch, conservation against ingest's own count
    for (const manifest of enriched) {
      const c = manifest.order_lines;
      const upstream = raw.find((m) => manifest.upstream_manifest.includes(`run_id=${m.run_id}/`));
      expect(c.rows_in).toBe(c.clean + c.rejected + c.duplicates);
      expect(c.rows_in).toBe(upstream?.totals.orders ?? 0);
      const reasons = Object.values(manifest.rejects_by_reason).reduce((a, b) => a + b, 0);
      expect(reasons).toBeGreaterThanOrEqual(c.rejected + c.duplicates);
    }
    // Assess: the warehouse holds each clean row once, and every reject with its reason
    const warehouse = await stack.runtime.warehouse();
    const [fact] = await warehouse.query(
      `SELECT COUNT(*)::INTEGER AS n, COUNT(DISTINCT (source, order_id, line_no))::INTEGER AS distinct_keys
       FROM ANALYTICS.FACT_ORDER_LINES`,
    );
    const clean = enriched.reduce((n, m) => n + m.order_lines.clean, 0);
    expect(fact?.n).toBe(fact?.distinct_keys);
    expect(fact?.n).toBe(clean - 1); // DUP-1 is clean in two files: one row
    const [rejects] = await warehouse.query(
      `SELECT COUNT(*)::INTEGER AS n, COUNT(*) FILTER (WHERE reason_code IS NULL OR reason_code = '')::INTEGER AS without_reason
       FROM STAGING.ORDER_REJECTS`,
    );
    const orderRejects = enriched.reduce((n, m) => n + m.order_lines.rejected + m.order_lines.duplicates, 0);
    expect(rejects?.n).toBeGreaterThanOrEqual(orderRejects);
    expect(rejects?.without_reason).toBe(0);
    const byReason = await warehouse.query(
      'SELECT reason_code, COUNT(*)::INTEGER AS n FROM STAGING.ORDER_REJECTS GROUP BY reason_code ORDER BY reason_code',
    );
    expect(byReason.map((r) => r.reason_code)).toEqual(
      expect.arrayContaining([
        'DUPLICATE',
        'INVALID_PRICE',
        'INVALID_QUANTITY',
        'INVALID_TIMESTAMP',
        'UNPARSEABLE',
      ]),
    );
  });
});
