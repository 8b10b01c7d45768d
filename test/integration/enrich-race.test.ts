import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTotals, generateShop } from '../../local/generator';
import { getText, type ObjectStore } from '../../shared/adapters/object-store';
import type { Runtime } from '../../shared/compose';
import { curatedManifestKey, enrichedPrefix, manifestKeyIn, rawRunPrefix } from '../../shared/domain/layout';
import type { LoadMessage } from '../../shared/domain/manifest';
import { formatCents } from '../../shared/domain/money';
import { runConvert } from '../../shared/stages/convert';
import { runEnrich } from '../../shared/stages/enrich';
import { runIngest } from '../../shared/stages/ingest';
import { runLoad } from '../../shared/stages/load';
import { type ApiStack, type RecordingQueue, startApiStack } from '../helpers/api-stack';

/** An ObjectStore whose puts of enriched manifests wait at a gate until the test opens it. */
function gatedManifests(store: ObjectStore) {
  let arrived!: () => void;
  let open!: () => void;
  const atGate = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const gated: ObjectStore = Object.create(store);
  gated.put = async (bucket, key, body, contentType) => {
    if (key.startsWith('enriched/source=') && key.endsWith('/_manifest.json')) {
      arrived();
      await gate;
    }
    return store.put(bucket, key, body, contentType);
  };
  return { store: gated, atGate, open };
}

describe('two enrich attempts of one API run racing on different raw manifests', () => {
  const shop = generateShop({ seed: 11, users: 12, products: 10, carts: 25 });
  const scheduledTime = new Date('2026-11-26T03:00:00Z');
  const batchId = 'dummyjson-20261126T030000Z';
  let stack: ApiStack;
  let rt: Runtime;
  let queue: RecordingQueue;

  beforeAll(async () => {
    stack = await startApiStack('enrich-race', shop);
    ({ rt, queue } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('leaves a manifest whose files are all its own, so convert and load succeed with exact totals', async () => {
    // Prepare: ingest A; enrich A runs until its manifest put, then waits
    const rawKey = manifestKeyIn(rawRunPrefix('dummyjson', '2026-11-26', '20261126T030000Z'));
    await runIngest(
      { ...rt, now: () => new Date('2026-11-26T03:00:01.000Z') },
      { source: 'dummyjson', scheduledTime },
    );
    const gated = gatedManifests(rt.store);
    const enrichA = runEnrich({ ...rt, store: gated.store }, { bucket: 'raw', key: rawKey });
    await gated.atGate;

    // Act: a second ingest of the same run (a new ingested_at) and its enrich finish first; A's manifest lands last
    await runIngest(
      { ...rt, now: () => new Date('2026-11-26T03:00:02.000Z') },
      { source: 'dummyjson', scheduledTime },
    );
    const b = await runEnrich(rt, { bucket: 'raw', key: rawKey });
    gated.open();
    const a = await enrichA;
    const enrichedKey = manifestKeyIn(enrichedPrefix('dummyjson', '2026-11-26', batchId));
    const curated = await runConvert(rt, { bucket: 'raw', key: enrichedKey });
    const warehouse = await rt.warehouse();
    await runLoad({ ...rt, warehouse }, queue.sent.at(-1)!.body as LoadMessage);

    // Assess: the attempts wrote disjoint files under one batch id; the loaded batch is A's, whole
    expect(a.batch_id).toBe(batchId);
    expect(b.batch_id).toBe(batchId);
    const aKeys = new Set(a.files.map((f) => f.key));
    expect(b.files.some((f) => aKeys.has(f.key))).toBe(false);
    expect(curated.upstream_manifest).toBe(`s3://raw/${enrichedKey}`);
    const expected = expectedTotals(shop);
    const [fact] = await warehouse.query(
      'SELECT COUNT(*)::INTEGER AS n, SUM(revenue)::VARCHAR AS revenue FROM ANALYTICS.FACT_ORDER_LINES',
    );
    expect(fact).toEqual({ n: expected.validLines, revenue: formatCents(expected.revenueCents) });
    const audit = await warehouse.query('SELECT batch_id FROM OPS.LOAD_AUDIT');
    expect(audit).toEqual([{ batch_id: batchId }]);
  });

  it('writes the same bytes to the same keys when an attempt replays the same input', async () => {
    // Prepare
    const rawKey = manifestKeyIn(rawRunPrefix('dummyjson', '2026-11-26', '20261126T030000Z'));

    // Act
    const first = await runEnrich(rt, { bucket: 'raw', key: rawKey });
    const second = await runEnrich(rt, { bucket: 'raw', key: rawKey });

    // Assess
    expect(second.files).toEqual(first.files);
  });

  it('lets two converts of one batch race to the same keys: same bytes, same manifest, both read back', async () => {
    // Prepare: a visibility timeout expired mid-convert, so a second convert of the batch runs beside it
    const enrichedKey = manifestKeyIn(enrichedPrefix('dummyjson', '2026-11-26', batchId));
    const sentBefore = queue.sent.length;

    // Act
    const [a, b] = await Promise.all([
      runConvert(rt, { bucket: 'raw', key: enrichedKey }),
      runConvert(rt, { bucket: 'raw', key: enrichedKey }),
    ]);
    const stored = JSON.parse(await getText(rt.store, 'curated', curatedManifestKey(batchId)));
    const bytes = await Promise.all(
      a.files.map(async (f) =>
        createHash('sha256')
          .update(await rt.store.get('curated', f.key))
          .digest('hex'),
      ),
    );

    // Assess: deterministic Parquet, so whichever write S3 keeps last, the manifest's checksums hold
    expect(a.files.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(stored).toEqual(a);
    expect(bytes).toEqual(a.files.map((f) => f.sha256));
    expect(queue.sent.slice(sentBefore).map((m) => m.body)).toEqual([
      { batchId, bucket: 'curated', manifestKey: curatedManifestKey(batchId) },
      { batchId, bucket: 'curated', manifestKey: curatedManifestKey(batchId) },
    ]);
  });
});
