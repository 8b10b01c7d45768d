/**
 * The PostgreSQL source end to end on the embedded stack: PGlite served over the wire protocol (the
 * real `pg` driver connects to it), s3rver, the local SQS and DuckDB. Extract, change and soft-delete
 * rows, extract again, and compare the warehouse with the database: each order's latest state, once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector } from '../../local/faults';
import { expectedTotals, generateShop } from '../../local/generator';
import type { EmbeddedPostgres } from '../../local/postgres-server';
import { LOCAL_BUCKETS, type Stack, startStack } from '../../local/stack';
import { summarise } from '../../local/summary';
import { getText, type ObjectStore } from '../../shared/adapters/object-store';
import {
  batchIdForRun,
  manifestKeyIn,
  rawRunPrefix,
  runIdFromTime,
  utcDate,
} from '../../shared/domain/layout';
import { type RawManifest, rawManifestSchema } from '../../shared/domain/manifest';
import { formatCents } from '../../shared/domain/money';
import { watermarkKey } from '../../shared/domain/watermark';
import { createLogger } from '../../shared/logger';
import { readWatermark, runIngestPostgres } from '../../shared/stages/ingest-postgres';

const T1 = new Date('2026-11-26T03:00:00Z');
const T2 = new Date('2026-11-26T04:00:00Z');
const T3 = new Date('2026-11-26T05:00:00Z');
const RAW = LOCAL_BUCKETS.RawBucket;

const manifestKeyOf = (time: Date) =>
  manifestKeyIn(rawRunPrefix('postgres', utcDate(time), runIdFromTime(time)));

async function rawManifest(store: ObjectStore, time: Date): Promise<RawManifest> {
  return rawManifestSchema.parse(JSON.parse(await getText(store, RAW, manifestKeyOf(time))));
}

/** Every current order line of the database, as the fact should hold it (money as exact text). */
async function databaseLines(pg: EmbeddedPostgres) {
  const { rows } = await pg.db.query<Record<string, string>>(
    `SELECT o.id::text AS order_id, it.line_no::text AS line_no, it.product_id::text AS product_id,
            it.quantity::text AS quantity, it.unit_price::text AS unit_price,
            CASE WHEN o.deleted_at IS NOT NULL THEN 'deleted' ELSE o.status END AS status,
            o.customer_id::text AS customer_id
     FROM orders o JOIN order_items it ON it.order_id = o.id
     ORDER BY o.id, it.line_no`,
  );
  return rows.map(
    (r) =>
      `${r.order_id}#${r.line_no} ${r.status} c${r.customer_id} p${r.product_id} ${r.quantity} x ${r.unit_price}`,
  );
}

/** The fact's lines of the source, in the same form. */
async function factLines(stack: Stack) {
  const warehouse = await stack.runtime.warehouse();
  const rows = await warehouse.query(
    `SELECT order_id, line_no, product_id, quantity, CAST(unit_price AS VARCHAR) AS unit_price, status, customer_id
     FROM ANALYTICS.FACT_ORDER_LINES WHERE source = 'postgres'
     ORDER BY CAST(order_id AS BIGINT), line_no`,
  );
  return rows.map(
    (r) =>
      `${r.order_id}#${r.line_no} ${r.status} c${r.customer_id} p${r.product_id} ${r.quantity} x ${r.unit_price}`,
  );
}

describe('PostgreSQL source: incremental extraction into the warehouse', () => {
  const shop = generateShop({ seed: 11, users: 20, products: 15, carts: 40 });
  let dir: string;
  let stack: Stack;
  let pg: EmbeddedPostgres;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postgres-source-'));
    // No overlap: what a run re-reads is then only its boundary rows, so the test can name them.
    stack = await startStack({
      dataDir: dir,
      log: createLogger('silent'),
      shop,
      postgres: {},
      env: { POSTGRES_OVERLAP_SECONDS: '0', POSTGRES_BATCH_ROWS: '7' },
    });
    pg = stack.postgres!;
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('extracts the seeded shop once, in cursor-sized parts, with exact money', async () => {
    // Act
    await stack.ingest('postgres', T1);
    await stack.settle();

    // Assess: the generator's own reference totals, and the database line for line
    const manifest = await rawManifest(stack.runtime.store, T1);
    expect(manifest.totals).toEqual({ customers: 20, products: 15, orders: pg.seeded?.orders });
    expect(manifest.files.filter((f) => f.entity === 'orders').every((f) => f.records <= 7)).toBe(true);
    expect(manifest.watermark?.from).toEqual({ customers: null, products: null, orders: null });
    const expected = expectedTotals(shop);
    const summary = await summarise(await stack.runtime.warehouse(), [
      batchIdForRun('postgres', runIdFromTime(T1)),
    ]);
    expect(summary.orderLines).toBe(expected.validLines);
    expect(summary.orders).toBe(expected.orders);
    expect(summary.revenue.toFixed(2)).toBe(formatCents(expected.revenueCents));
    expect(summary.rejected).toBe(0);
    expect(await factLines(stack)).toEqual(await databaseLines(pg));
    const state = await readWatermark(stack.runtime.store, RAW, 'postgres');
    expect(state?.run_id).toBe(runIdFromTime(T1));
    expect(state?.watermarks).toEqual(manifest.watermark?.to);
    expect(await stack.deadLetters()).toEqual([]);
  }, 60_000);

  it('re-extracts changed, shrunk, soft-deleted and new orders, and the warehouse holds each latest state once', async () => {
    // Prepare: the second run starts from the first run's watermark
    const before = await readWatermark(stack.runtime.store, RAW, 'postgres');
    const [changed, shrunk, deleted] = (
      await pg.db.query<{ id: string }>(
        `SELECT o.id::text AS id FROM orders o
         WHERE (SELECT count(*) FROM order_items it WHERE it.order_id = o.id) >= 2 ORDER BY o.id LIMIT 3`,
      )
    ).rows.map((r) => r.id);
    // A line's quantity and price change; a line is removed for real; an order is deleted softly; a new
    // order arrives; a customer moves; a product is repriced (sold lines keep their price).
    await pg.db.query(
      'UPDATE order_items SET quantity = quantity + 1, unit_price = 19.99 WHERE order_id = $1 AND line_no = 1',
      [changed],
    );
    await pg.db.query(
      'DELETE FROM order_items WHERE order_id = $1 AND line_no = (SELECT max(line_no) FROM order_items WHERE order_id = $1)',
      [shrunk],
    );
    await pg.db.query('UPDATE orders SET deleted_at = now() WHERE id = $1', [deleted]);
    await pg.db.query(
      `INSERT INTO orders (id, customer_id, status, channel, payment_method, ordered_at)
       VALUES (900, 1, 'processing', 'web', 'card', '2026-11-20T10:00:00Z')`,
    );
    await pg.db.query(
      `INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, discount_pct)
       VALUES (900, 1, 1, 2, 10.10, 0), (900, 2, 2, 1, 0.20, 0)`,
    );
    await pg.db.query(`UPDATE customers SET city = 'Lisbon', country = 'Portugal' WHERE id = 1`);
    await pg.db.query('UPDATE products SET unit_price = unit_price + 1 WHERE id = 2');

    // Act
    await stack.ingest('postgres', T2);
    await stack.settle();

    // Assess: the run read what changed, and again the rows at the first run's watermark (the window
    // starts at it, inclusive; PGlite's clock has millisecond steps, so several rows may share it)
    const manifest = await rawManifest(stack.runtime.store, T2);
    expect(manifest.watermark?.from).toEqual(before?.watermarks);
    const orders = await ordersOf(stack.runtime.store, manifest);
    const boundary = await boundaryOrders(stack.runtime.store, await rawManifest(stack.runtime.store, T1));
    expect(new Set(orders)).toEqual(new Set([changed, shrunk, deleted, '900', ...boundary]));
    expect(orders.length).toBe(new Set(orders).size);

    // Assess: the fact is the database, line for line (the removed line gone, the deleted order `deleted`)
    expect(await factLines(stack)).toEqual(await databaseLines(pg));
    const warehouse = await stack.runtime.warehouse();
    const [dupes] = await warehouse.query(
      `SELECT COUNT(*) AS n FROM (SELECT order_id, line_no FROM ANALYTICS.FACT_ORDER_LINES
       GROUP BY source, order_id, line_no HAVING COUNT(*) > 1)`,
    );
    expect(Number(dupes?.n)).toBe(0);
    const [address] = await warehouse.query(
      `SELECT city, country FROM ANALYTICS.DIM_ADDRESS WHERE source = 'postgres' AND customer_id = '1'`,
    );
    expect(address).toEqual({ city: 'Lisbon', country: 'Portugal' });

    // Assess: the deleted order is a status of its own, out of the sales
    const status = await warehouse.query(
      `SELECT status, orders FROM ANALYTICS.VW_ORDER_STATUS WHERE status = 'deleted'`,
    );
    expect(status.map((r) => ({ ...r, orders: Number(r.orders) }))).toEqual([
      { status: 'deleted', orders: 1 },
    ]);
    const [sales] = await warehouse.query(
      `SELECT CAST(SUM(revenue) AS VARCHAR) AS revenue FROM ANALYTICS.VW_DAILY_REVENUE`,
    );
    const [live] = (
      await pg.db.query<{ revenue: string }>(
        `SELECT sum(it.quantity * it.unit_price)::numeric(14,2)::text AS revenue
         FROM orders o JOIN order_items it ON it.order_id = o.id WHERE o.deleted_at IS NULL`,
      )
    ).rows;
    expect(sales?.revenue).toBe(live?.revenue);
    const summary = await summarise(warehouse, [
      batchIdForRun('postgres', runIdFromTime(T1)),
      batchIdForRun('postgres', runIdFromTime(T2)),
    ]);
    expect(summary.revenue.toFixed(2)).toBe(live?.revenue);
    expect(summary.deletedOrders).toBe(1);
    expect(await stack.deadLetters()).toEqual([]);
  }, 60_000);

  it('extracts nothing new when nothing changed but the boundary rows, and loads no duplicate', async () => {
    // Act
    await stack.ingest('postgres', T3);
    await stack.settle();

    // Assess: only the rows at the watermark's boundary, read again
    const manifest = await rawManifest(stack.runtime.store, T3);
    const boundary = await boundaryOrders(stack.runtime.store, await rawManifest(stack.runtime.store, T2));
    expect(new Set(await ordersOf(stack.runtime.store, manifest))).toEqual(new Set(boundary));
    expect(await factLines(stack)).toEqual(await databaseLines(pg));
  }, 60_000);
});

/** The orders a run read whose change time is the watermark it committed (the next run reads them again). */
async function boundaryOrders(store: ObjectStore, manifest: RawManifest): Promise<string[]> {
  const ids: string[] = [];
  for (const file of manifest.files.filter((f) => f.entity === 'orders')) {
    const part = JSON.parse(await getText(store, RAW, file.key)) as {
      records: { id: string; changed_at: string }[];
    };
    ids.push(...part.records.filter((r) => r.changed_at === manifest.watermark?.to.orders).map((r) => r.id));
  }
  return ids;
}

/** The order ids a run's raw parts hold. */
async function ordersOf(store: ObjectStore, manifest: RawManifest): Promise<string[]> {
  const ids: string[] = [];
  for (const file of manifest.files.filter((f) => f.entity === 'orders')) {
    const part = JSON.parse(await getText(store, RAW, file.key)) as { records: { id: string }[] };
    ids.push(...part.records.map((r) => r.id));
  }
  return ids;
}

describe('PostgreSQL source: a failed extraction does not advance the watermark', () => {
  let dir: string;
  let stack: Stack;
  let pg: EmbeddedPostgres;
  const faults = new FaultInjector({ crashes: [{ point: 'raw-manifest', nth: 2 }] });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postgres-fail-'));
    stack = await startStack({
      dataDir: dir,
      log: createLogger('silent'),
      shop: generateShop({ seed: 12, users: 10, products: 8, carts: 15 }),
      postgres: {},
      faults,
      env: { POSTGRES_OVERLAP_SECONDS: '0' },
    });
    pg = stack.postgres!;
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the watermark when the run dies before its manifest, and the retry reads the change', async () => {
    // Prepare: a committed first run, then a change
    await stack.ingest('postgres', T1);
    await stack.settle();
    const committed = await getText(stack.runtime.store, RAW, watermarkKey('postgres'));
    await pg.db.query('UPDATE order_items SET quantity = 5 WHERE order_id = 3 AND line_no = 1');

    // Act: the second run dies after its raw parts, before its manifest
    await expect(stack.ingest('postgres', T2)).rejects.toThrow(/injected crash at raw-manifest/);

    // Assess: no manifest, the watermark untouched
    expect(faults.crashed).toEqual(['raw-manifest#2']);
    await expect(getText(stack.runtime.store, RAW, manifestKeyOf(T2))).rejects.toThrow(/does not exist/);
    expect(await getText(stack.runtime.store, RAW, watermarkKey('postgres'))).toBe(committed);

    // Act: the same run again (Lambda retries an async invocation with the same event)
    await stack.ingest('postgres', T2);
    await stack.settle();

    // Assess: it read the change from the old watermark, committed it, and the warehouse has it
    const manifest = await rawManifest(stack.runtime.store, T2);
    expect(await ordersOf(stack.runtime.store, manifest)).toContain('3');
    const state = await readWatermark(stack.runtime.store, RAW, 'postgres');
    expect(state?.run_id).toBe(runIdFromTime(T2));
    const warehouse = await stack.runtime.warehouse();
    expect(
      await warehouse.query(
        `SELECT quantity FROM ANALYTICS.FACT_ORDER_LINES WHERE source = 'postgres' AND order_id = '3' AND line_no = 1`,
      ),
    ).toEqual([{ quantity: 5 }]);
  }, 90_000);

  it('finishes the commit of a run that died between its manifest and its watermark, without reading again', async () => {
    // Prepare: a run whose watermark write fails (its manifest is written)
    await pg.db.query('UPDATE order_items SET quantity = 6 WHERE order_id = 3 AND line_no = 1');
    const before = await getText(stack.runtime.store, RAW, watermarkKey('postgres'));
    let connections = 0;
    const failingWatermark: ObjectStore = {
      ...stack.runtime.store,
      get: (b, k) => stack.runtime.store.get(b, k),
      getStream: (b, k) => stack.runtime.store.getStream(b, k),
      head: (b, k) => stack.runtime.store.head(b, k),
      list: (b, p) => stack.runtime.store.list(b, p),
      putStream: (b, k, body, t) => stack.runtime.store.putStream(b, k, body, t),
      getRange: (b, k, start, end) => stack.runtime.store.getRange(b, k, start, end),
      put: async (b, k, body, t) => {
        if (k === watermarkKey('postgres')) throw new Error('crashed before the watermark');
        await stack.runtime.store.put(b, k, body, t);
      },
    };
    const deps = (store: ObjectStore) => ({
      store,
      config: stack.runtime.config,
      log: createLogger('silent'),
      shopDatabase: async () => {
        connections += 1;
        await pg.idle();
        return stack.runtime.shopDatabase();
      },
    });
    await expect(
      runIngestPostgres(deps(failingWatermark), { source: 'postgres', scheduledTime: T3 }),
    ).rejects.toThrow(/before the watermark/);
    expect(await getText(stack.runtime.store, RAW, watermarkKey('postgres'))).toBe(before);

    // Act: the retry of the same run
    const retried = await runIngestPostgres(deps(stack.runtime.store), {
      source: 'postgres',
      scheduledTime: T3,
    });

    // Assess: the committed manifest is returned as it was (one extraction in all), the watermark now its
    expect(connections).toBe(1);
    expect(retried).toEqual(await rawManifest(stack.runtime.store, T3));
    const state = await readWatermark(stack.runtime.store, RAW, 'postgres');
    expect(state?.run_id).toBe(runIdFromTime(T3));
    expect(state?.watermarks).toEqual(retried.watermark?.to);
  }, 90_000);
});
