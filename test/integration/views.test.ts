import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { DuckDbWarehouse } from '../../shared/adapters/duckdb-warehouse';
import { S3ObjectStore } from '../../shared/adapters/object-store';
import { ANALYTICS_VIEWS } from '../../shared/constants';
import { putCuratedBatch } from '../helpers/curated-batch';
import { shopFixture } from '../helpers/shop-fixture';

const SQL = resolve(import.meta.dirname, '../../sql');

/**
 * Every analytics view of sql/R__views.sql, run on DuckDB over the known shop of shop-fixture.ts,
 * loaded through the real load path (Parquet in s3rver -> staging -> MERGE). Expected rows are worked
 * out by hand from the fixture's table. Money is exact text (DECIMAL); margin is profit / revenue
 * rounded to 4 places.
 */
const EXPECTED: Record<(typeof ANALYTICS_VIEWS)[number]['name'], { orderBy: string; rows: unknown[] }> = {
  VW_DAILY_REVENUE: {
    orderBy: 'order_date',
    rows: [
      {
        order_date: '2026-11-24',
        orders: '1',
        order_lines: '2',
        revenue: '1030.00',
        net_revenue: '930.00',
        cost: '718.00',
        profit: '312.00',
        margin: 0.3029,
      },
      {
        order_date: '2026-11-25',
        orders: '2',
        order_lines: '2',
        revenue: '2000.00',
        net_revenue: '2000.00',
        cost: '1300.00',
        profit: '700.00',
        margin: 0.35,
      },
      {
        order_date: '2026-11-26',
        orders: '2',
        order_lines: '2',
        revenue: '100.00',
        net_revenue: '100.00',
        cost: '60.00',
        profit: '40.00',
        margin: 0.4,
      },
    ],
  },
  VW_SALES_BY_COUNTRY: {
    orderBy: 'country',
    rows: [
      {
        country: 'United Kingdom',
        orders: '3',
        customers: '2',
        revenue: '2080.00',
        cost: '1448.00',
        profit: '632.00',
        margin: 0.3038,
      },
      {
        country: 'United States',
        orders: '2',
        customers: '1',
        revenue: '1050.00',
        cost: '630.00',
        profit: '420.00',
        margin: 0.4,
      },
    ],
  },
  VW_SALES_BY_CATEGORY: {
    orderBy: 'category',
    rows: [
      {
        category: 'beauty',
        orders: '2',
        units: '8',
        revenue: '80.00',
        cost: '48.00',
        profit: '32.00',
        margin: 0.4,
      },
      {
        category: 'laptops',
        orders: '2',
        units: '2',
        revenue: '2000.00',
        cost: '1400.00',
        profit: '600.00',
        margin: 0.3,
      },
      {
        category: 'smartphones',
        orders: '1',
        units: '2',
        revenue: '1000.00',
        cost: '600.00',
        profit: '400.00',
        margin: 0.4,
      },
      // p4 has no category
      {
        category: 'unknown',
        orders: '1',
        units: '2',
        revenue: '50.00',
        cost: '30.00',
        profit: '20.00',
        margin: 0.4,
      },
    ],
  },
  VW_TOP_CUSTOMERS: {
    orderBy: 'revenue_rank, customer_id',
    rows: [
      // c2 and c3 tie on revenue: both rank 1, and c1 is third
      {
        source: 'shop',
        customer_id: 'c2',
        customer_name: 'Grace Hopper',
        country: 'United States',
        orders: '2',
        revenue: '1050.00',
        profit: '420.00',
        margin: 0.4,
        revenue_rank: '1',
      },
      {
        source: 'shop',
        customer_id: 'c3',
        customer_name: 'Alan Turing',
        country: 'United Kingdom',
        orders: '2',
        revenue: '1050.00',
        profit: '320.00',
        margin: 0.3048,
        revenue_rank: '1',
      },
      {
        source: 'shop',
        customer_id: 'c1',
        customer_name: 'Ada Lovelace',
        country: 'United Kingdom',
        orders: '1',
        revenue: '1030.00',
        profit: '312.00',
        margin: 0.3029,
        revenue_rank: '3',
      },
    ],
  },
  VW_ORDER_STATUS: {
    orderBy: 'status',
    rows: [
      {
        status: 'cancelled',
        orders: '1',
        order_lines: '1',
        revenue: '1000.00',
        profit: '300.00',
        margin: 0.3,
      },
      {
        status: 'completed',
        orders: '3',
        order_lines: '4',
        revenue: '1130.00',
        profit: '352.00',
        margin: 0.3115,
      },
      { status: 'shipped', orders: '1', order_lines: '1', revenue: '1000.00', profit: '400.00', margin: 0.4 },
    ],
  },
  VW_SALES_BY_CHANNEL: {
    orderBy: 'channel',
    rows: [
      { channel: 'mobile', orders: '1', revenue: '1000.00', cost: '600.00', profit: '400.00', margin: 0.4 },
      { channel: 'store', orders: '1', revenue: '50.00', cost: '30.00', profit: '20.00', margin: 0.4 },
      // o3 has no channel
      { channel: 'unknown', orders: '1', revenue: '1000.00', cost: '700.00', profit: '300.00', margin: 0.3 },
      { channel: 'web', orders: '2', revenue: '1080.00', cost: '748.00', profit: '332.00', margin: 0.3074 },
    ],
  },
  VW_SALES_BY_PAYMENT_METHOD: {
    orderBy: 'payment_method',
    rows: [
      {
        payment_method: 'card',
        orders: '2',
        revenue: '2030.00',
        cost: '1418.00',
        profit: '612.00',
        margin: 0.3015,
      },
      { payment_method: 'cash', orders: '1', revenue: '50.00', cost: '30.00', profit: '20.00', margin: 0.4 },
      {
        payment_method: 'paypal',
        orders: '1',
        revenue: '1000.00',
        cost: '600.00',
        profit: '400.00',
        margin: 0.4,
      },
      // o4 has no payment method
      {
        payment_method: 'unknown',
        orders: '1',
        revenue: '50.00',
        cost: '30.00',
        profit: '20.00',
        margin: 0.4,
      },
    ],
  },
};

describe('the analytics views on DuckDB, over a known shop', () => {
  let dir: string;
  let s3: S3Server;
  let warehouse: DuckDbWarehouse;
  let empty: DuckDbWarehouse;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'views-'));
    s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['curated'] });
    const store = new S3ObjectStore(new S3Client(s3ClientConfig(s3.endpoint)));
    warehouse = await DuckDbWarehouse.open(':memory:', store, SQL);
    await warehouse.migrate();
    await warehouse.loadBatch(await putCuratedBatch(store, 'curated', shopFixture('shop-20261126T030000Z')));
    empty = await DuckDbWarehouse.open(':memory:', store, SQL);
    await empty.migrate();
  });

  afterAll(async () => {
    await warehouse?.close();
    await empty?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has an expectation for every view the summary prints, and no other view exists', async () => {
    // Act
    const views = await warehouse.query(
      "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' AND table_schema = 'ANALYTICS' ORDER BY 1",
    );

    // Assess
    const names = ANALYTICS_VIEWS.map((v) => v.name).sort();
    expect(views.map((v) => v.table_name)).toEqual(names);
    expect(Object.keys(EXPECTED).sort()).toEqual(names);
  });

  it.each(ANALYTICS_VIEWS.map((v) => v.name))('%s returns the rows worked out by hand', async (name) => {
    // Prepare
    const { orderBy, rows } = EXPECTED[name];

    // Act
    const actual = await warehouse.query(`SELECT * FROM ANALYTICS.${name} ORDER BY ${orderBy}`);

    // Assess
    expect(actual).toEqual(rows);
  });

  it('sums to the fact table in every view that splits revenue', async () => {
    // Act
    const totals = await warehouse.query(
      `SELECT (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.FACT_ORDER_LINES) AS fact,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_DAILY_REVENUE) AS daily,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_SALES_BY_COUNTRY) AS country,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_SALES_BY_CATEGORY) AS category,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_TOP_CUSTOMERS) AS customers,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_ORDER_STATUS) AS status,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_SALES_BY_CHANNEL) AS channel,
              (SELECT CAST(SUM(revenue) AS VARCHAR) FROM ANALYTICS.VW_SALES_BY_PAYMENT_METHOD) AS payment`,
    );

    // Assess
    expect(new Set(Object.values(totals[0] ?? {}))).toEqual(new Set(['3130.00']));
  });

  it.each(ANALYTICS_VIEWS.map((v) => v.name))(
    '%s returns no rows (and no error) on an empty warehouse',
    async (name) => {
      // Act
      const rows = await empty.query(`SELECT * FROM ANALYTICS.${name}`);

      // Assess
      expect(rows).toEqual([]);
    },
  );
});
