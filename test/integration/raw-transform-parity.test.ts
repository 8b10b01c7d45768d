import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from '../../local/fake-api';
import { generateDrop, generateShop } from '../../local/generator';
import { FsObjectStore } from '../../shared/adapters/fs-object-store';
import { getJson } from '../../shared/adapters/http-client';
import { applyMigrations, migrationsFor } from '../../shared/adapters/migrations';
import { getText } from '../../shared/adapters/object-store';
import { REASON } from '../../shared/constants';
import { buildCostModel } from '../../shared/domain/cost-model';
import type { EnrichedManifest, RawManifest } from '../../shared/domain/manifest';
import { parseNdjson } from '../../shared/domain/ndjson';
import {
  DUCKDB,
  RAW_TABLES,
  rawTablesDdl,
  transformBatchStatements,
  transformTablesDdl,
} from '../../shared/domain/raw-transform';
import type { OrderLine, Reject } from '../../shared/domain/types';
import { createLogger } from '../../shared/logger';
import { runEnrich } from '../../shared/stages/enrich';
import { runIngest } from '../../shared/stages/ingest';
import { runIngestFile } from '../../shared/stages/ingest-files';
import { CORPUS } from '../fixtures/build-corpus';

/**
 * The two rule paths on one corpus: the TypeScript enrich (the real stage, over the real raw zone that
 * ingest writes) and the SQL path (the DuckDB rendering of sql/snowflake/optional/R__raw_transform.sql,
 * over the same raw files loaded as RAW tables the way Snowpipe would). Per batch they must agree on
 * rows in, clean, rejected and duplicates, on every reject's reason codes and key, and on every clean
 * line's money to the cent.
 */

const SQL = resolve(import.meta.dirname, '../../sql');
const BUCKET = 'raw';
const COST_RATIOS = { laptops: '0.7', beauty: '0.45' };
const costModel = buildCostModel('0.60', COST_RATIOS).model!;
const log = createLogger('silent');

/** Sales events written by hand for the cases the generator does not make. */
const TRICKY_EVENTS: Record<string, unknown>[] = [
  // times: offsets, a date alone, fractions of a second, impossible dates and times, before 2000
  {
    event_id: 't1',
    event_ts: '2026-10-20T23:30:00-05:30',
    customer_id: 'C0001',
    product_id: 'P0001',
    quantity: 1,
  },
  { event_id: 't2', event_ts: '2026-10-20', customer_id: 'C0001', product_id: 'P0002', quantity: '2' },
  {
    event_id: 't3',
    event_ts: '2026-10-20T10:00:00.123456789+0200',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 3,
  },
  {
    event_id: 't4',
    event_ts: '2026-02-29T10:00:00Z',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  {
    event_id: 't5',
    event_ts: '2026-10-20T24:00:00Z',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  {
    event_id: 't6',
    event_ts: '1999-12-31T23:59:59Z',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  {
    event_id: 't7',
    event_ts: '2099-01-01T00:00:00Z',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  { event_id: 't8', event_ts: 20261020, customer_id: 'C0002', product_id: 'P0001', quantity: 1 },
  {
    event_id: 't9',
    event_ts: '2026-10-20t10:00:00z',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  {
    event_id: 't10',
    event_ts: '2026-10-20T10:00:00+15:00',
    customer_id: 'C0002',
    product_id: 'P0001',
    quantity: 1,
  },
  // quantities
  {
    event_id: 'q1',
    event_ts: '2026-10-21T10:00:00Z',
    customer_id: 'C0003',
    product_id: 'P0003',
    quantity: 2.0,
  },
  {
    event_id: 'q2',
    event_ts: '2026-10-21T10:00:00Z',
    customer_id: 'C0003',
    product_id: 'P0003',
    quantity: 2.5,
  },
  {
    event_id: 'q3',
    event_ts: '2026-10-21T10:00:00Z',
    customer_id: 'C0003',
    product_id: 'P0003',
    quantity: '007',
  },
  {
    event_id: 'q4',
    event_ts: '2026-10-21T10:00:00Z',
    customer_id: 'C0003',
    product_id: 'P0003',
    quantity: true,
  },
  {
    event_id: 'q5',
    event_ts: '2026-10-21T10:00:00Z',
    customer_id: 'C0003',
    product_id: 'P0003',
    quantity: -1,
  },
  // money: a price of its own (string, number, too many decimals, negative), totals, discounts
  {
    event_id: 'm1',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: '19.990',
  },
  {
    event_id: 'm2',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: 19.999,
  },
  {
    event_id: 'm3',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: '-1.00',
  },
  {
    event_id: 'm4',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: 10.05,
    total_amount: 30.16,
  },
  {
    event_id: 'm5',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: 10.05,
    total_amount: 30.17,
  },
  {
    event_id: 'm6',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: 10.05,
    discount_amount: '5.15',
    total_amount: '25.00',
  },
  {
    event_id: 'm7',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 3,
    unit_price: 10.05,
    discount_amount: 31,
  },
  {
    event_id: 'm8',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 'x',
    unit_price: 10.05,
    discount_amount: 'lots',
    total_amount: -2,
  },
  {
    event_id: 'm9',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 1,
    unit_price: 10000000000,
  },
  {
    event_id: 'm10',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 400000,
    unit_price: 99999.99,
  },
  {
    event_id: 'm12',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 1,
    unit_price: 1,
    total_amount: 'one',
  },
  {
    event_id: 'm11',
    event_ts: '2026-10-22T10:00:00Z',
    customer_id: 'C0004',
    product_id: 'P0004',
    quantity: 7,
    unit_price: '0.07',
    discount_amount: '0.01',
  },
  // ids: numbers, blanks, nulls, unknown ones with and without a description, order ids and line numbers
  { event_id: 'i1', event_ts: '2026-10-23T10:00:00Z', customer_id: '  ', product_id: 'P0005', quantity: 1 },
  {
    event_id: 'i2',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'CZ0001',
    product_id: 'P0005',
    quantity: 1,
  },
  {
    event_id: 'i3',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'CZ0002',
    customer_name: 'Ana  Maria Silva',
    country: 'Portugal',
    product_id: 'P0005',
    quantity: 1,
  },
  {
    event_id: 'i4',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'CZ0002',
    product_id: 'PZ0001',
    product_name: 'Widget',
    category: 'Laptops',
    unit_price: '100.00',
    quantity: 2,
  },
  {
    event_id: 'i5',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'PZ0002',
    category: 'beauty',
    unit_price: 'free',
    quantity: 2,
  },
  {
    event_id: 'i6',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'PZ0003',
    quantity: 2,
  },
  { event_id: 7, event_ts: '2026-10-23T10:00:00Z', customer_id: 'C0005', product_id: 'P0006', quantity: 1 },
  {
    event_id: 'i8',
    order_id: 'O-1',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0006',
    quantity: 1,
  },
  {
    event_id: 'i9',
    order_id: 'O-1',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
  },
  {
    event_id: 'i10',
    order_id: 'O-2',
    line_no: 1,
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0006',
    quantity: 1,
  },
  {
    event_id: 'i11',
    order_id: 'O-2',
    line_no: '1',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
  },
  {
    event_id: 'i12',
    order_id: null,
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
  },
  { event_id: '', event_ts: '2026-10-23T10:00:00Z', customer_id: 'C0005', product_id: 'P0007', quantity: 1 },
  {
    event_id: 'i1',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
  },
  {
    event_id: 'i14',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
    status: ' SHIPPED ',
    marketing_channel: 'email',
    payment_method: 7,
  },
  {
    event_id: 'i15',
    event_ts: '2026-10-23T10:00:00Z',
    customer_id: 'C0005',
    product_id: 'P0007',
    quantity: 1,
    status: '',
  },
];

/** Corpus files ingest refuses whole (their message goes to the DLQ): nothing for either path to enrich. */
const REFUSED = ['sales-not-gzip.jsonl.gz', 'sales-extension-lies.json'];

/** Change the generated shop so the API sources meet the tricky cases too. */
function trickyShop() {
  const shop = generateShop({ seed: 11, users: 20, products: 15, carts: 40 });
  const users = shop.users as unknown as Record<string, unknown>[];
  const products = shop.products as unknown as Record<string, unknown>[];
  const carts = shop.carts as unknown as Record<string, unknown>[];
  users.push({ ...users[0], id: undefined, email: 'no-id@example.com' });
  products.push({ ...products[0], id: 900, title: 'Priceless', category: 'beauty', price: 'n/a' });
  products.push({ ...products[0], id: 901, title: 'Costly', category: 'laptops', price: 1234.565 });
  const first = carts[0] as { userId: number; products: Record<string, unknown>[] };
  carts.push(
    {
      id: 9001,
      userId: first.userId,
      products: [
        { id: 900, quantity: 1, price: 'n/a', total: 0 },
        { id: 901, quantity: 1, price: 12.5, discountPercentage: 12.5, total: 12.5 },
        { id: 1, quantity: '2', price: 10, discountPercentage: 150, total: 20 },
        { id: 1, quantity: 3, price: 10.1, discountPercentage: 10, total: 27.27 },
        { id: 1, quantity: 3, price: 10.1, discountPercentage: 10, total: 29 },
        { id: 1, quantity: 0, price: 10.1 },
        { id: 2.5, quantity: 1, price: 10.1 },
        { quantity: 1, price: 10.1 },
      ],
    },
    { id: 9002, userId: null, products: [{ id: 1, quantity: 1, price: 1 }] },
    { id: 9003, userId: 1e21, products: [] },
  );
  return shop;
}

/** A DuckDB connection with the portable migrations applied, and statements it can prepare once. */
class Session {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<Session> {
    const instance = await DuckDBInstance.create(':memory:');
    const session = new Session(instance, await instance.connect());
    await session.query("SET TimeZone = 'UTC'");
    const executor = {
      execute: async (sql: string, params?: unknown[]) => void (await session.query(sql, params)),
      query: (sql: string, params?: unknown[]) => session.query(sql, params),
    };
    await applyMigrations(executor, migrationsFor(SQL, 'duckdb'), { transactional: true });
    return session;
  }

  async query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  prepare(sql: string) {
    return this.connection.prepare(sql);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

interface Batch {
  manifestKey: string;
  raw: RawManifest;
  enriched: EnrichedManifest;
}

describe('the SQL rules agree with the TypeScript enrich on a shared corpus (DuckDB)', () => {
  let dir: string;
  let api: FakeApi;
  let store: FsObjectStore;
  let wh: Session;
  const batches: Batch[] = [];
  let clock = Date.parse('2026-11-01T06:00:00.000Z');
  const now = () => {
    clock += 60_000;
    return new Date(clock);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raw-transform-'));
    store = new FsObjectStore(join(dir, 's3'));
    api = await startFakeApi({ shop: trickyShop() });

    // Prepare: the raw zone as ingest writes it (API runs, then file drops in landing order)
    const raws: { key: string; raw: RawManifest }[] = [];
    for (const source of ['dummyjson', 'fakestore']) {
      const raw = await runIngest(
        {
          store,
          config: {
            rawBucket: BUCKET,
            pageSize: 25,
            sources: {
              dummyjson: { baseUrl: api.baseUrl },
              fakestore: { baseUrl: `${api.baseUrl}/fakestore` },
            },
          },
          getJson: (url) => getJson(url, { timeoutMs: 5_000, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 1 }),
          log,
          now,
        },
        { source, scheduledTime: new Date(clock) },
      );
      raws.push({ key: manifestKeyOf(raw), raw });
    }
    const drop = generateDrop({ seed: 7, orders: 120, invalidRate: 0.2, customers: 30, products: 20 });
    const files: [string, string][] = [
      ['customers.csv', drop.files['customers.csv']!],
      ['products.csv', drop.files['products.csv']!],
      ['sales.json', drop.files['sales.json']!],
      ['sales.jsonl', drop.files['sales.jsonl']!],
      ['sales-tricky.jsonl', `${TRICKY_EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n{"event_id": "cut`],
    ];
    // ...and the bad-input corpus (test/fixtures/build-corpus.ts), less the files ingest refuses.
    const corpus = Object.entries(CORPUS).filter(([name]) => !REFUSED.includes(name));
    for (const [name, body] of [...files, ...corpus]) {
      const key = `landing/${name}`;
      await store.put(BUCKET, key, body, 'application/octet-stream');
      const raw = await runIngestFile(
        { store, config: { rawBucket: BUCKET }, log, now, partRecords: 50 },
        {
          bucket: BUCKET,
          key,
        },
      );
      raws.push({ key: manifestKeyOf(raw!), raw: raw! });
    }

    // Act (TypeScript): the enrich stage, batch after batch
    for (const { key, raw } of raws) {
      const enriched = await runEnrich(
        { store, config: { rawBucket: BUCKET, costModel }, log },
        { bucket: BUCKET, key },
      );
      batches.push({ manifestKey: key, raw, enriched });
    }

    // Act (SQL): the same raw files as RAW rows, then the batch statements, batch after batch
    wh = await Session.open();
    for (const statement of [...rawTablesDdl(DUCKDB), ...transformTablesDdl()]) await wh.query(statement);
    const ratios = Object.entries(COST_RATIOS).map(([c, r]) => `('${c}', ${r})`);
    await wh.query(`INSERT INTO OPS.COST_RATIOS (category, ratio) VALUES ${ratios.join(', ')}`);
    // Prepared once, run per batch, as the Snowflake procedure compiles its body once.
    const prepared = await Promise.all(transformBatchStatements(DUCKDB).map((sql) => wh.prepare(sql)));
    for (const { manifestKey, raw } of batches) {
      await landLikeSnowpipe(raw, manifestKey);
      const batchId = `${raw.source}-${raw.run_id}`;
      await wh.query('BEGIN TRANSACTION');
      for (const statement of prepared) {
        statement.bind([batchId]);
        await statement.run();
      }
      await wh.query('COMMIT');
    }
  }, 60_000);

  afterAll(async () => {
    wh?.close();
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function manifestKeyOf(raw: RawManifest): string {
    return `raw/source=${raw.source}/ingest_date=${raw.ingest_date}/run_id=${raw.run_id}/_manifest.json`;
  }

  /** What Snowpipe does with STRIP_OUTER_ARRAY: one RAW row per top-level array element, else per file. */
  async function landLikeSnowpipe(raw: RawManifest, manifestKey: string): Promise<void> {
    // Snowpipe's METADATA$START_SCAN_TIME: one time a file, shared by its rows.
    const loadedAt = new Date(clock).toISOString().replace('T', ' ').replace('Z', '');
    const insert = async (table: string, record: unknown, file: string, row: number) =>
      wh.query(
        `INSERT INTO ${table} (record, source_file, file_row_number, loaded_at) VALUES (CAST($1 AS JSON), $2, $3, CAST($4 AS TIMESTAMP))`,
        [JSON.stringify(record), file, row, loadedAt],
      );
    for (const file of raw.files) {
      const body = JSON.parse(await getText(store, BUCKET, file.key)) as unknown;
      const table = RAW_TABLES[file.entity as 'customers' | 'products' | 'orders'];
      const records = Array.isArray(body) ? body : [body];
      for (const [i, record] of records.entries()) await insert(table, record, file.key, i + 1);
    }
    await insert(RAW_TABLES.manifests, raw, manifestKey, 1);
  }

  async function tsRejects(batch: Batch): Promise<Reject[]> {
    const file = batch.enriched.files.find((f) => f.table === 'order_rejects')!;
    return parseNdjson(await getText(store, BUCKET, file.key)) as Reject[];
  }

  async function tsLines(batch: Batch): Promise<OrderLine[]> {
    const file = batch.enriched.files.find((f) => f.table === 'order_lines')!;
    return parseNdjson(await getText(store, BUCKET, file.key)) as OrderLine[];
  }

  const cents = (value: unknown) => Math.round(Number(value) * 100);

  it('covers API runs and file drops with every kind of outcome', () => {
    // Assess: the corpus is what it claims to be
    const drops = 5 + Object.keys(CORPUS).length - REFUSED.length;
    expect(batches.map((b) => b.raw.source)).toEqual([
      'dummyjson',
      'fakestore',
      ...Array(drops).fill('files'),
    ]);
    const reasons = new Set(batches.flatMap((b) => Object.keys(b.enriched.rejects_by_reason)));
    for (const code of [
      REASON.duplicate,
      REASON.invalidQuantity,
      REASON.invalidPrice,
      REASON.invalidTimestamp,
      REASON.invalidDiscount,
      REASON.totalMismatch,
      REASON.invalidTotal,
      REASON.unknownCustomer,
      REASON.unknownProduct,
      REASON.unparseable,
      REASON.missingOrderId,
    ]) {
      expect(reasons, code).toContain(code);
    }
  });

  it('splits every batch into the same clean, rejected and duplicate counts', async () => {
    for (const batch of batches) {
      // Act
      const rows = await wh.query(
        'SELECT outcome, COUNT(*) AS n FROM STAGING.RAW_LINES_CLASSIFIED WHERE batch_id = $1 GROUP BY outcome',
        [batch.enriched.batch_id],
      );
      const byOutcome = Object.fromEntries(rows.map((r) => [String(r.outcome), Number(r.n)]));

      // Assess
      const c = batch.enriched.order_lines;
      expect({
        id: batch.enriched.batch_id,
        clean: byOutcome.clean ?? 0,
        rejected: byOutcome.rejected ?? 0,
        duplicates: byOutcome.duplicate ?? 0,
      }).toEqual({
        id: batch.enriched.batch_id,
        clean: c.clean,
        rejected: c.rejected,
        duplicates: c.duplicates,
      });
    }
  });

  it('gives every reject the same record type, reason codes and key', async () => {
    for (const batch of batches) {
      // Act
      const sql = await wh.query(
        'SELECT record_type, reason_code, reason_codes, record_key, source_line FROM STAGING.ORDER_REJECTS WHERE batch_id = $1',
        [batch.enriched.batch_id],
      );
      const ts = await tsRejects(batch);

      // Assess
      const key = (r: Record<string, unknown>) =>
        [r.record_type, r.reason_code, r.reason_codes, r.record_key ?? '-', r.source_line ?? '-'].join('|');
      expect(sql.map(key).sort(), batch.enriched.batch_id).toEqual(
        ts.map((r) => key(r as unknown as Record<string, unknown>)).sort(),
      );
    }
  });

  it('counts rejects by reason as the enrich manifest does', async () => {
    for (const batch of batches) {
      // Act
      const rows = await wh.query(
        "SELECT reason_code, COUNT(*) AS n FROM STAGING.ORDER_REJECTS WHERE batch_id = $1 AND record_type = 'order_line' GROUP BY reason_code",
        [batch.enriched.batch_id],
      );

      // Assess
      expect(Object.fromEntries(rows.map((r) => [String(r.reason_code), Number(r.n)]))).toEqual(
        batch.enriched.rejects_by_reason,
      );
    }
  });

  it('prices every clean line to the same cent, and the batch totals with it', async () => {
    for (const batch of batches) {
      // Act
      const sql = await wh.query(
        `SELECT order_id, line_no, CAST(order_ts AS VARCHAR) AS order_ts, CAST(order_date AS VARCHAR) AS order_date, status,
           customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost,
           profit, net_profit, channel, payment_method, source_file
         FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = $1`,
        [batch.enriched.batch_id],
      );
      const ts = await tsLines(batch);

      // Assess
      const fromSql = sql.map((r) => ({
        key: `${r.order_id}#${r.line_no}`,
        order_ts: `${String(r.order_ts).replace(' ', 'T')}${String(r.order_ts).includes('.') ? '' : '.000'}Z`,
        order_date: r.order_date,
        status: r.status,
        customer_id: r.customer_id,
        product_id: r.product_id,
        quantity: Number(r.quantity),
        money: [
          r.unit_price,
          r.revenue,
          r.discount_amount,
          r.net_revenue,
          r.unit_cost,
          r.cost,
          r.profit,
          r.net_profit,
        ].map(cents),
        discount_bp: cents(r.discount_pct),
        channel: r.channel,
        payment_method: r.payment_method,
        source_file: r.source_file,
      }));
      const fromTs = ts.map((l) => ({
        key: `${l.order_id}#${l.line_no}`,
        order_ts: l.order_ts,
        order_date: l.order_date,
        status: l.status,
        customer_id: l.customer_id,
        product_id: l.product_id,
        quantity: l.quantity,
        money: [
          l.unit_price_cents,
          l.revenue_cents,
          l.discount_cents,
          l.net_revenue_cents,
          l.unit_cost_cents,
          l.cost_cents,
          l.profit_cents,
          l.net_profit_cents,
        ],
        discount_bp: l.discount_bp,
        channel: l.channel,
        payment_method: l.payment_method,
        source_file: l.source_file,
      }));
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      expect(fromSql.sort(byKey), batch.enriched.batch_id).toEqual(fromTs.sort(byKey));

      const total = (rows: { money: number[] }[], i: number) => rows.reduce((sum, r) => sum + r.money[i]!, 0);
      for (const i of [1, 5, 6]) expect(total(fromSql, i)).toBe(total(fromTs, i));
    }
  });

  it('writes the same dimension ids, and one audit row a batch', async () => {
    for (const batch of batches) {
      // Act
      const ids = async (sql: string) =>
        (await wh.query(sql, [batch.enriched.batch_id])).map((r) => String(r.id)).sort();
      const customers = await ids('SELECT customer_id AS id FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = $1');
      const products = await ids('SELECT product_id AS id FROM STAGING.PRODUCTS_LOAD WHERE batch_id = $1');
      const audit = await wh.query('SELECT load_mode, order_lines FROM OPS.LOAD_AUDIT WHERE batch_id = $1', [
        batch.enriched.batch_id,
      ]);

      // Assess
      const file = (table: string) => batch.enriched.files.find((f) => f.table === table)!;
      const tsIds = async (table: string, field: string) =>
        (parseNdjson(await getText(store, BUCKET, file(table).key)) as Record<string, unknown>[])
          .map((r) => String(r[field]))
          .sort();
      expect(customers).toEqual(await tsIds('customers', 'customer_id'));
      expect(products).toEqual(await tsIds('products', 'product_id'));
      expect(audit).toEqual([{ load_mode: 'procedure', order_lines: batch.enriched.order_lines.clean }]);
    }
  });
});
