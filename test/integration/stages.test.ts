import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTotals, generateShop } from '../../local/generator';
import type { Runtime } from '../../shared/compose';
import type { LoadMessage } from '../../shared/domain/manifest';
import { formatCents } from '../../shared/domain/money';
import { runConvert } from '../../shared/stages/convert';
import { runEnrich } from '../../shared/stages/enrich';
import { runIngest } from '../../shared/stages/ingest';
import { runLoad } from '../../shared/stages/load';
import { type ApiStack, type RecordingQueue, startApiStack } from '../helpers/api-stack';

describe('the four stages against s3rver and DuckDB', () => {
  const shop = generateShop({ seed: 7, users: 20, products: 15, carts: 45 });
  let stack: ApiStack;
  let dir: string;
  let rt: Runtime;
  let queue: RecordingQueue;

  beforeAll(async () => {
    stack = await startApiStack('stages', shop);
    ({ dir, rt, queue } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('moves an API run to the warehouse with exact money and typed Parquet', async () => {
    // Act: ingest
    const raw = await runIngest(rt, { source: 'dummyjson', scheduledTime: new Date('2026-11-26T03:00:00Z') });
    // Assess: every page of every entity, manifest listing them
    expect(raw.totals).toEqual({ customers: 20, products: 15, orders: 45 });
    expect(raw.files.filter((f) => f.entity === 'orders')).toHaveLength(5);
    const rawManifestKey =
      'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json';
    expect((await rt.store.list('raw', 'raw/')).map((o) => o.key)).toContain(rawManifestKey);

    // Act: enrich
    const enriched = await runEnrich(rt, { bucket: 'raw', key: rawManifestKey });
    // Assess: conservation and the generator's own reference totals
    const expected = expectedTotals(shop);
    const c = enriched.order_lines;
    expect(c.rows_in).toBe(c.clean + c.rejected + c.duplicates);
    expect(c.clean).toBe(expected.validLines);
    expect(c.rejected).toBeGreaterThan(0);

    // Act: convert
    const enrichedKey =
      'enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=dummyjson-20261126T030000Z/_manifest.json';
    const curated = await runConvert(rt, { bucket: 'raw', key: enrichedKey });
    // Assess: Parquet partitioned by order date, one load message deduplicated by batch id
    const lineFiles = curated.files.filter((f) => f.table === 'order_lines');
    expect(lineFiles.map((f) => f.key)).toEqual([
      'curated/order_lines/order_date=2026-11-26/dummyjson-20261126T030000Z-part-0.parquet',
    ]);
    expect(queue.sent).toEqual([
      {
        queueUrl: 'http://127.0.0.1:1/000000000000/LoadQueue.fifo',
        body: {
          batchId: 'dummyjson-20261126T030000Z',
          bucket: 'curated',
          manifestKey: 'curated/_manifests/dummyjson-20261126T030000Z.json',
        },
        fifo: { groupId: 'warehouse', deduplicationId: 'dummyjson-20261126T030000Z' },
      },
    ]);

    // Assess: read the Parquet back with DuckDB: logical types and totals
    const parquetPath = join(dir, 'lines.parquet');
    await writeFile(parquetPath, await rt.store.get('curated', lineFiles[0]!.key));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const types = (
      await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${parquetPath}')`)
    ).getRowObjectsJson();
    const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    expect(typeOf).toMatchObject({
      revenue: 'DECIMAL(12,2)',
      cost: 'DECIMAL(12,2)',
      profit: 'DECIMAL(12,2)',
      unit_price: 'DECIMAL(12,2)',
      order_date: 'DATE',
      order_ts: 'TIMESTAMP WITH TIME ZONE',
      quantity: 'INTEGER',
      order_id: 'VARCHAR',
    });
    const [sums] = (
      await duck.runAndReadAll(
        `SELECT SUM(revenue)::VARCHAR AS revenue, COUNT(*)::INTEGER AS n FROM read_parquet('${parquetPath}')`,
      )
    ).getRowObjectsJson();
    expect(sums).toEqual({ revenue: formatCents(expected.revenueCents), n: expected.validLines });
    const [meta] = (
      await duck.runAndReadAll(
        `SELECT compression FROM parquet_metadata('${parquetPath}') WHERE path_in_schema = 'revenue' LIMIT 1`,
      )
    ).getRowObjectsJson();
    expect(meta?.compression).toBe('SNAPPY');
    duck.closeSync();

    // Act: load, twice (a replayed message)
    const message = queue.sent[0]!.body as LoadMessage;
    const warehouse = await rt.warehouse();
    const first = await runLoad({ ...rt, warehouse }, message);
    const second = await runLoad({ ...rt, warehouse }, message);
    // Assess: loaded once, audited once, totals exact
    expect(first.status).toBe('loaded');
    expect(second.status).toBe('skipped');
    const [fact] = await warehouse.query(
      'SELECT COUNT(*)::INTEGER AS n, SUM(revenue)::VARCHAR AS revenue, COUNT(DISTINCT order_id)::INTEGER AS orders FROM ANALYTICS.FACT_ORDER_LINES',
    );
    expect(fact).toEqual({
      n: expected.validLines,
      revenue: formatCents(expected.revenueCents),
      orders: expected.orders,
    });
    const audit = await warehouse.query('SELECT batch_id, order_lines FROM OPS.LOAD_AUDIT');
    expect(audit).toEqual([{ batch_id: 'dummyjson-20261126T030000Z', order_lines: expected.validLines }]);
    const rejects = await warehouse.query('SELECT COUNT(*)::INTEGER AS n FROM STAGING.ORDER_REJECTS');
    expect(rejects[0]?.n).toBe(c.rejected + c.duplicates);
    const byCountry = await warehouse.query(
      'SELECT SUM(revenue)::VARCHAR AS revenue FROM ANALYTICS.VW_SALES_BY_COUNTRY',
    );
    expect(byCountry[0]?.revenue).toBe(formatCents(expected.revenueCents));
  });
});
