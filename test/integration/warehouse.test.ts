import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { DuckDbWarehouse } from '../../shared/adapters/duckdb-warehouse';
import { S3ObjectStore } from '../../shared/adapters/object-store';
import type { LoadBatch } from '../../shared/adapters/warehouse';
import { mergeStatement, streamName, TABLE_LOADS } from '../../shared/domain/load-statements';
import { ManifestMismatchError } from '../../shared/errors';
import { type CuratedFixture, type CuratedRow, putCuratedBatch } from '../helpers/curated-batch';
import { shopFixture } from '../helpers/shop-fixture';

const SQL = resolve(import.meta.dirname, '../../sql');

/** The fact's business columns: everything but which batch and file wrote a row last. */
const FACT =
  'SELECT source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method FROM ANALYTICS.FACT_ORDER_LINES ORDER BY source, order_id, line_no';
const TOTALS =
  'SELECT COUNT(*)::INTEGER AS lines, CAST(SUM(revenue) AS VARCHAR) AS revenue, CAST(SUM(cost) AS VARCHAR) AS cost, CAST(SUM(profit) AS VARCHAR) AS profit FROM ANALYTICS.FACT_ORDER_LINES';

/** A batch of the shop's tables with some of its order lines, re-stamped as another batch. */
function slice(batchId: string, ingestedAt: string, lines: string[]): CuratedFixture {
  const shop = shopFixture(batchId);
  const stamp = (rows: CuratedRow[]) =>
    rows.map((r) => ({ ...r, batch_id: batchId, ingested_at: ingestedAt }));
  return {
    batchId,
    customers: stamp(shop.customers),
    products: stamp(shop.products),
    order_lines: stamp(shop.order_lines.filter((l) => lines.includes(`${l.order_id}/${l.line_no}`))),
    order_rejects: [],
  };
}

describe('loading batches into DuckDB: idempotent, MERGEd on natural keys', () => {
  let dir: string;
  let s3: S3Server;
  let store: S3ObjectStore;
  const open: DuckDbWarehouse[] = [];
  const warehouse = async () => {
    const wh = await DuckDbWarehouse.open(':memory:', store, SQL);
    await wh.migrate();
    open.push(wh);
    return wh;
  };
  let all: LoadBatch;
  let a: LoadBatch;
  let b: LoadBatch;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warehouse-'));
    s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['curated'] });
    store = new S3ObjectStore(new S3Client(s3ClientConfig(s3.endpoint)));
    all = await putCuratedBatch(store, 'curated', shopFixture('all'));
    // A and B share o2/1 and o3/1; B was ingested later.
    a = await putCuratedBatch(
      store,
      'curated',
      slice('a', '2026-11-26T03:00:00.000Z', ['o1/1', 'o1/2', 'o2/1', 'o3/1']),
    );
    b = await putCuratedBatch(
      store,
      'curated',
      slice('b', '2026-11-26T04:00:00.000Z', ['o2/1', 'o3/1', 'o4/1', 'o5/1']),
    );
  });

  afterAll(async () => {
    for (const wh of open) await wh.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('skips a batch delivered twice and leaves every table as the first load left it', async () => {
    // Prepare
    const wh = await warehouse();
    const snapshot = async () => ({
      fact: await wh.query('SELECT * FROM ANALYTICS.FACT_ORDER_LINES ORDER BY order_id, line_no'),
      customers: await wh.query('SELECT * FROM ANALYTICS.DIM_CUSTOMER ORDER BY customer_id'),
      addresses: await wh.query('SELECT * FROM ANALYTICS.DIM_ADDRESS ORDER BY customer_id'),
      products: await wh.query('SELECT * FROM ANALYTICS.DIM_PRODUCT ORDER BY product_id'),
      rejects: await wh.query('SELECT * FROM STAGING.ORDER_REJECTS'),
      audit: await wh.query(
        'SELECT batch_id, manifest_key, load_mode, order_lines, customers, products, rejects FROM OPS.LOAD_AUDIT',
      ),
    });

    // Act
    const first = await wh.loadBatch(all);
    const after = await snapshot();
    const second = await wh.loadBatch(all);

    // Assess
    expect(first).toEqual({
      status: 'loaded',
      rows: { customers: 3, products: 4, order_lines: 6, order_rejects: 1 },
    });
    expect(second).toEqual({ status: 'skipped', rows: {} });
    expect(await snapshot()).toEqual(after);
    expect(after.audit).toEqual([
      {
        batch_id: 'all',
        manifest_key: 'curated/_manifests/all.json',
        load_mode: 'loader',
        order_lines: 6,
        customers: 3,
        products: 4,
        rejects: 1,
      },
    ]);
    expect(await wh.query(TOTALS)).toEqual([
      { lines: 6, revenue: '3130.00', cost: '2078.00', profit: '1052.00' },
    ]);
  });

  it('leaves the fact and its totals identical when two batches share order lines, in either order', async () => {
    // Prepare
    const once = await warehouse();
    const ab = await warehouse();
    const ba = await warehouse();
    await once.loadBatch(all);

    // Act
    await ab.loadBatch(a);
    await ab.loadBatch(b);
    await ba.loadBatch(b);
    await ba.loadBatch(a);

    // Assess
    const expected = await once.query(FACT);
    expect(expected).toHaveLength(6);
    expect(await ab.query(FACT)).toEqual(expected);
    expect(await ba.query(FACT)).toEqual(expected);
    for (const wh of [ab, ba]) {
      expect(await wh.query(TOTALS)).toEqual(await once.query(TOTALS));
      expect(await wh.query('SELECT * FROM ANALYTICS.VW_DAILY_REVENUE ORDER BY order_date')).toEqual(
        await once.query('SELECT * FROM ANALYTICS.VW_DAILY_REVENUE ORDER BY order_date'),
      );
    }
    // The shared lines carry the batch that MERGEd them last.
    expect(
      await ab.query("SELECT batch_id FROM ANALYTICS.FACT_ORDER_LINES WHERE order_id IN ('o2', 'o3')"),
    ).toEqual([{ batch_id: 'b' }, { batch_id: 'b' }]);
  });

  it('rolls the whole batch back when the files hold fewer rows than the manifest lists', async () => {
    // Prepare
    const wh = await warehouse();
    const short: LoadBatch = {
      ...all,
      files: all.files.map((f) => (f.table === 'order_lines' ? { ...f, rows: f.rows + 1 } : f)),
    };

    // Act
    const load = wh.loadBatch(short);

    // Assess
    await expect(load).rejects.toThrow(ManifestMismatchError);
    await expect(load).rejects.toThrow(
      /STAGING.ORDER_LINES_LOAD staged 6 rows of batch all, the manifest lists 9/,
    );
    for (const table of [
      'ANALYTICS.FACT_ORDER_LINES',
      'ANALYTICS.DIM_CUSTOMER',
      'STAGING.CUSTOMERS_LOAD',
      'OPS.LOAD_AUDIT',
    ]) {
      expect(await wh.query(`SELECT COUNT(*)::INTEGER AS n FROM ${table}`), table).toEqual([{ n: 0 }]);
    }
    // ... and the same batch, listed right, loads afterwards.
    await expect(wh.loadBatch(all)).resolves.toMatchObject({ status: 'loaded' });
  });

  it("runs the tasks' stream MERGE on DuckDB too, keeping the latest of two batches' shared lines", async () => {
    // Prepare: both batches staged; a table stands in for the Snowflake stream over them
    const wh = await warehouse();
    await wh.loadBatch(a);
    await wh.loadBatch(b);
    const loaded = await wh.query(FACT);
    const load = TABLE_LOADS.find((l) => l.table === 'order_lines')!;
    const target = load.targets[0]!;
    const stream = streamName(load, target);
    await wh.query(`CREATE TABLE ${stream} AS SELECT * FROM ${load.staging}`);
    await wh.query('DELETE FROM ANALYTICS.FACT_ORDER_LINES');

    // Act
    await wh.query(mergeStatement(load, target, { stream }));

    // Assess
    expect(await wh.query(`SELECT COUNT(*)::INTEGER AS n FROM ${stream}`)).toEqual([{ n: 8 }]);
    expect(await wh.query(FACT)).toEqual(loaded);
    expect(
      await wh.query(
        "SELECT DISTINCT batch_id FROM ANALYTICS.FACT_ORDER_LINES WHERE order_id IN ('o2', 'o3')",
      ),
    ).toEqual([{ batch_id: 'b' }]);
  });

  it("keeps a customer's identity in DIM_CUSTOMER and address in DIM_ADDRESS", async () => {
    // Prepare
    const wh = await warehouse();

    // Act
    await wh.loadBatch(all);

    // Assess
    expect(await wh.query("SELECT * FROM ANALYTICS.DIM_CUSTOMER WHERE customer_id = 'c1'")).toEqual([
      {
        source: 'shop',
        customer_id: 'c1',
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        batch_id: 'all',
        ingested_at: '2026-11-26 03:00:00',
      },
    ]);
    expect(await wh.query("SELECT * FROM ANALYTICS.DIM_ADDRESS WHERE customer_id = 'c1'")).toEqual([
      {
        source: 'shop',
        customer_id: 'c1',
        address_line: '1 Main Street',
        city: 'Somewhere',
        state: null,
        country: 'United Kingdom',
        postal_code: '00000',
        batch_id: 'all',
        ingested_at: '2026-11-26 03:00:00',
      },
    ]);
  });
});
