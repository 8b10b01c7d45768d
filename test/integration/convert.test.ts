import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { orderLines } from '../../bench/order-lines';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import type { MessageQueue } from '../../shared/adapters/message-queue';
import { type ObjectStore, S3ObjectStore } from '../../shared/adapters/object-store';
import { CURATED_TABLE, type CuratedTable } from '../../shared/constants';
import {
  type CuratedManifest,
  curatedManifestSchema,
  type EnrichedManifest,
} from '../../shared/domain/manifest';
import { formatCents } from '../../shared/domain/money';
import type { Customer, OrderLine, OrderSnapshot, Product, Reject } from '../../shared/domain/types';
import { ManifestMismatchError } from '../../shared/errors';
import { createLogger, type LogFields } from '../../shared/logger';
import { type ConvertDeps, runConvert } from '../../shared/stages/convert';

/** Records what convert sends, standing in for the FIFO load queue. */
class RecordingQueue implements MessageQueue {
  readonly sent: { body: unknown; fifo?: { groupId: string; deduplicationId: string } }[] = [];
  async send(_url: string, body: unknown, fifo?: { groupId: string; deduplicationId: string }) {
    this.sent.push({ body, fifo });
  }
}

const LOAD_QUEUE_URL = 'http://127.0.0.1:1/000000000000/LoadQueue.fifo';
const INGESTED_AT = '2026-11-26T03:00:05.123Z';
const MONEY = [
  'unit_price',
  'revenue',
  'discount_amount',
  'net_revenue',
  'unit_cost',
  'cost',
  'profit',
  'net_profit',
] as const;

type Tables = {
  order_lines?: OrderLine[];
  customers?: Customer[];
  products?: Product[];
  order_rejects?: Reject[];
  orders?: OrderSnapshot[];
};

/** Write an enriched batch as enrich does (NDJSON per table, manifest last); the manifest's key. */
async function putEnriched(store: ObjectStore, batchId: string, tables: Tables): Promise<string> {
  const prefix = `enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=${batchId}/`;
  const files: EnrichedManifest['files'] = [];
  // The tables enrich lists for an API source; order snapshots only when the fixture has them.
  const listed = Object.values(CURATED_TABLE).filter((t) => t !== CURATED_TABLE.orders || tables.orders);
  for (const table of listed) {
    const rows = tables[table] ?? [];
    const body = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    const key = `${prefix}${table}.ndjson`;
    await store.put('raw', key, body, 'application/x-ndjson');
    files.push({
      key,
      table,
      rows: rows.length,
      bytes: body.byteLength,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  }
  const manifest: EnrichedManifest = {
    stage: 'enrich',
    source: 'dummyjson',
    batch_id: batchId,
    upstream_manifest: 's3://raw/raw/_manifest.json',
    ingest_date: '2026-11-26',
    ingested_at: INGESTED_AT,
    files,
    order_lines: { rows_in: 0, clean: 0, rejected: 0, duplicates: 0 },
    rejects_by_reason: {},
  };
  const key = `${prefix}_manifest.json`;
  await store.put('raw', key, JSON.stringify(manifest), 'application/json');
  return key;
}

/** The money columns' sums as DuckDB prints DECIMAL(12,2) sums, from the lines' integer cents. */
function moneySums(lines: readonly OrderLine[]): Record<(typeof MONEY)[number], string> {
  const cents = (pick: (l: OrderLine) => number) => formatCents(lines.reduce((sum, l) => sum + pick(l), 0));
  return {
    unit_price: cents((l) => l.unit_price_cents),
    revenue: cents((l) => l.revenue_cents),
    discount_amount: cents((l) => l.discount_cents),
    net_revenue: cents((l) => l.net_revenue_cents),
    unit_cost: cents((l) => l.unit_cost_cents),
    cost: cents((l) => l.cost_cents),
    profit: cents((l) => l.profit_cents),
    net_profit: cents((l) => l.net_profit_cents),
  };
}

const customer = (id: string, extra: Partial<Customer> = {}): Customer => ({
  source: 'dummyjson',
  customer_id: id,
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: `${id}@example.com`,
  address_line: '1 Main Street',
  city: 'London',
  state: null,
  country: 'United Kingdom',
  postal_code: 'N1 9GU',
  batch_id: 'b',
  ingested_at: INGESTED_AT,
  ...extra,
});

const product = (id: string, extra: Partial<Product> = {}): Product => ({
  source: 'dummyjson',
  product_id: id,
  title: `Product ${id}`,
  category: 'laptops',
  brand: null,
  unit_price_cents: 129_999,
  unit_cost_cents: 77_999,
  cost_source: 'model',
  batch_id: 'b',
  ingested_at: INGESTED_AT,
  ...extra,
});

const reject = (n: number): Reject => ({
  source: 'dummyjson',
  batch_id: 'b',
  record_type: 'order_line',
  reason_code: 'INVALID_QUANTITY',
  reason_codes: 'INVALID_QUANTITY',
  reason_detail: 'quantity must be a positive integer, got 0',
  raw_record: JSON.stringify({ id: n, quantity: 0, note: 'ü' }),
  record_key: `${n}#1`,
  source_file: 's3://raw/carts/part-00001.json',
  source_line: n % 2 === 0 ? null : n,
  ingested_at: INGESTED_AT,
});

describe('convert against s3rver, read back with DuckDB', () => {
  let dir: string;
  let s3: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;
  let duck: DuckDBConnection;
  let queue: RecordingQueue;
  let deps: ConvertDeps;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convert-'));
    s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['raw', 'curated'] });
    client = new S3Client(s3ClientConfig(s3.endpoint));
    store = new S3ObjectStore(client);
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  });

  afterAll(async () => {
    duck?.closeSync();
    client?.destroy();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    queue = new RecordingQueue();
    deps = {
      store,
      queue,
      log: createLogger('silent'),
      config: {
        curatedBucket: 'curated',
        loadQueueUrl: LOAD_QUEUE_URL,
        loadMessageGroup: 'warehouse',
        parquet: { rowGroupRows: 500, targetFileBytes: 128 * 1024 * 1024 },
      },
    };
  });

  /** Copy the listed files to local disk for DuckDB; their paths, as a read_parquet list. */
  async function local(files: CuratedManifest['files']): Promise<string> {
    const paths = await Promise.all(
      files.map(async (file, index) => {
        const path = join(dir, `${createHash('md5').update(file.key).digest('hex')}-${index}.parquet`);
        await writeFile(path, await store.get('curated', file.key));
        return `'${path}'`;
      }),
    );
    return `[${paths.join(', ')}]`;
  }

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    return (await duck.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  }

  async function typesOf(files: CuratedManifest['files']): Promise<Record<string, unknown>> {
    const rows = await query(`DESCRIBE SELECT * FROM read_parquet(${await local(files)})`);
    return Object.fromEntries(rows.map((r) => [r.column_name, r.column_type]));
  }

  const ofTable = (manifest: CuratedManifest, table: CuratedTable) =>
    manifest.files.filter((f) => f.table === table);

  it('writes every table with its warehouse types and order lines whose money sums to the cent', async () => {
    // Prepare: 3,000 seeded lines over 3 dates, arriving interleaved
    const lines = [...orderLines(3000, { seed: 11, days: 3, batchId: 'typed' })];
    const key = await putEnriched(store, 'typed', {
      order_lines: lines,
      customers: [customer('1'), customer('2')],
      products: [product('1'), product('2', { brand: 'Nestlé' })],
      order_rejects: [reject(1), reject(2)],
    });

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess: one folder per order date, files as S3 holds them, one load message
    const lineFiles = ofTable(manifest, 'order_lines');
    expect([...new Set(lineFiles.map((f) => f.order_date))].sort()).toEqual([
      '2026-10-01',
      '2026-10-02',
      '2026-10-03',
    ]);
    for (const file of manifest.files) {
      const body = await store.get('curated', file.key);
      expect(file.bytes).toBe(body.byteLength);
      expect(file.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      if (file.order_date)
        expect(file.key).toMatch(
          new RegExp(`^curated/order_lines/order_date=${file.order_date}/typed-part-\\d+\\.parquet$`),
        );
    }
    expect(manifest.rows).toEqual({ order_lines: 3000, customers: 2, products: 2, order_rejects: 2 });
    expect(queue.sent).toEqual([
      {
        body: { batchId: 'typed', bucket: 'curated', manifestKey: 'curated/_manifests/typed.json' },
        fifo: { groupId: 'warehouse', deduplicationId: 'typed' },
      },
    ]);
    const stored = curatedManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await store.get('curated', 'curated/_manifests/typed.json'))),
    );
    expect(stored).toEqual(manifest);

    // Assess: every column's type, as DuckDB reads it
    expect(await typesOf(lineFiles)).toEqual({
      source: 'VARCHAR',
      order_id: 'VARCHAR',
      line_no: 'INTEGER',
      order_ts: 'TIMESTAMP WITH TIME ZONE',
      order_date: 'DATE',
      status: 'VARCHAR',
      customer_id: 'VARCHAR',
      product_id: 'VARCHAR',
      quantity: 'INTEGER',
      unit_price: 'DECIMAL(12,2)',
      discount_pct: 'DECIMAL(5,2)',
      revenue: 'DECIMAL(12,2)',
      discount_amount: 'DECIMAL(12,2)',
      net_revenue: 'DECIMAL(12,2)',
      unit_cost: 'DECIMAL(12,2)',
      cost: 'DECIMAL(12,2)',
      profit: 'DECIMAL(12,2)',
      net_profit: 'DECIMAL(12,2)',
      channel: 'VARCHAR',
      payment_method: 'VARCHAR',
      source_file: 'VARCHAR',
      batch_id: 'VARCHAR',
      ingested_at: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(await typesOf(ofTable(manifest, 'customers'))).toEqual({
      source: 'VARCHAR',
      customer_id: 'VARCHAR',
      first_name: 'VARCHAR',
      last_name: 'VARCHAR',
      email: 'VARCHAR',
      address_line: 'VARCHAR',
      city: 'VARCHAR',
      state: 'VARCHAR',
      country: 'VARCHAR',
      postal_code: 'VARCHAR',
      batch_id: 'VARCHAR',
      ingested_at: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(await typesOf(ofTable(manifest, 'products'))).toEqual({
      source: 'VARCHAR',
      product_id: 'VARCHAR',
      title: 'VARCHAR',
      category: 'VARCHAR',
      brand: 'VARCHAR',
      unit_price: 'DECIMAL(12,2)',
      unit_cost: 'DECIMAL(12,2)',
      cost_source: 'VARCHAR',
      batch_id: 'VARCHAR',
      ingested_at: 'TIMESTAMP WITH TIME ZONE',
    });
    expect(await typesOf(ofTable(manifest, 'order_rejects'))).toMatchObject({
      reason_code: 'VARCHAR',
      raw_record: 'VARCHAR',
      source_line: 'INTEGER',
      ingested_at: 'TIMESTAMP WITH TIME ZONE',
    });

    // Assess: money sums to the cent, per column, against integer cents summed here
    const [sums] = await query(
      `SELECT COUNT(*)::INTEGER AS n, ${MONEY.map((c) => `SUM(${c})::VARCHAR AS ${c}`).join(', ')},
        SUM(discount_pct)::VARCHAR AS discount_pct FROM read_parquet(${await local(lineFiles)})`,
    );
    expect(sums).toEqual({
      n: 3000,
      ...moneySums(lines),
      discount_pct: formatCents(lines.reduce((sum, l) => sum + l.discount_bp, 0)),
    });
    // Assess: each partition holds exactly its date's lines; Snappy everywhere
    const perDate = await query(
      `SELECT order_date::VARCHAR AS d, COUNT(*)::INTEGER AS n, COUNT(*) FILTER (WHERE order_ts::DATE <> order_date)::INTEGER AS off
       FROM read_parquet(${await local(lineFiles)}) GROUP BY 1 ORDER BY 1`,
    );
    const perDay = new Map<string, number>();
    for (const l of lines) perDay.set(l.order_date, (perDay.get(l.order_date) ?? 0) + 1);
    const expected = [...perDay].map(([d, n]) => ({ d, n, off: 0 }));
    expect(perDate).toEqual(expected.sort((a, b) => a.d.localeCompare(b.d)));
    const codecs = await query(
      `SELECT DISTINCT compression FROM parquet_metadata(${await local(manifest.files)})`,
    );
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
  });

  it('keeps unicode, empty strings and nulls exactly, and timestamps to the microsecond', async () => {
    // Prepare: edge values in every nullable and text column
    const [first] = [...orderLines(1, { seed: 3, batchId: 'edges' })];
    const line: OrderLine = {
      ...first!,
      order_id: 'Ω-1',
      order_ts: '2026-10-01T23:59:59.123456Z',
      order_date: '2026-10-01',
      customer_id: '顧客-7',
      channel: null,
      payment_method: '',
      source_file: 's3://raw/landing/ventes été 🚀.jsonl',
      unit_price_cents: 999_999_999_99,
      revenue_cents: -1,
    };
    const key = await putEnriched(store, 'edges', {
      order_lines: [line],
      customers: [
        customer('1', { first_name: 'Zoë 👩🏽‍💻', last_name: '', city: '東京', email: null, state: null }),
        customer('2', { first_name: null, last_name: 'Ñúñez\u0301', postal_code: '' }),
      ],
    });

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess
    const [got] = await query(
      `SELECT order_id, customer_id, channel, payment_method, source_file, unit_price::VARCHAR AS unit_price,
        revenue::VARCHAR AS revenue, epoch_us(order_ts)::VARCHAR AS us FROM read_parquet(${await local(ofTable(manifest, 'order_lines'))})`,
    );
    expect(got).toEqual({
      order_id: 'Ω-1',
      customer_id: '顧客-7',
      channel: null,
      payment_method: '',
      source_file: 's3://raw/landing/ventes été 🚀.jsonl',
      unit_price: '999999999.99',
      revenue: '-0.01',
      us: String(Date.parse('2026-10-01T23:59:59.123Z') * 1000 + 456),
    });
    const customers = await query(
      `SELECT customer_id, first_name, last_name, email, city, state, postal_code
       FROM read_parquet(${await local(ofTable(manifest, 'customers'))}) ORDER BY customer_id`,
    );
    expect(customers).toEqual([
      {
        customer_id: '1',
        first_name: 'Zoë 👩🏽‍💻',
        last_name: '',
        email: null,
        city: '東京',
        state: null,
        postal_code: 'N1 9GU',
      },
      {
        customer_id: '2',
        first_name: null,
        last_name: 'Ñúñez\u0301',
        email: '2@example.com',
        city: 'London',
        state: null,
        postal_code: '',
      },
    ]);
  });

  it('writes no Parquet, a manifest of zero rows and no load message for an empty batch', async () => {
    // Prepare
    const key = await putEnriched(store, 'empty', {});

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess
    expect(manifest.files).toEqual([]);
    expect(manifest.rows).toEqual({ order_lines: 0, customers: 0, products: 0, order_rejects: 0 });
    expect(
      (await store.list('curated', 'curated/')).map((o) => o.key).filter((k) => k.includes('empty')),
    ).toEqual(['curated/_manifests/empty.json']);
    expect(queue.sent).toEqual([]);
  });

  it('still queues a load when every line was rejected, so the rejects reach the warehouse', async () => {
    // Prepare
    const key = await putEnriched(store, 'rejected', { order_rejects: [reject(1), reject(2), reject(3)] });

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess
    expect(manifest.files.map((f) => [f.table, f.rows])).toEqual([['order_rejects', 3]]);
    expect(queue.sent).toHaveLength(1);
  });

  it('rolls files at the target size and keeps every row', async () => {
    // Prepare: ~170 KB of Parquet on one date, 16 KB target, 200-row row groups
    const lines = [...orderLines(4000, { seed: 5, days: 1, batchId: 'rolled' })];
    const key = await putEnriched(store, 'rolled', { order_lines: lines });
    deps.config.parquet = { rowGroupRows: 200, targetFileBytes: 16 * 1024 };

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess: parts 0..N in one folder, each near the target, nothing lost
    const files = ofTable(manifest, 'order_lines');
    expect(files.length).toBeGreaterThan(4);
    expect(files.map((f) => f.key)).toEqual(
      files.map((_, n) => `curated/order_lines/order_date=2026-10-01/rolled-part-${n}.parquet`),
    );
    for (const file of files.slice(0, -1)) expect(file.bytes).toBeGreaterThanOrEqual(16 * 1024);
    const [total] = await query(
      `SELECT COUNT(*)::INTEGER AS n, SUM(revenue)::VARCHAR AS revenue FROM read_parquet(${await local(files)})`,
    );
    expect(total).toEqual({ n: 4000, revenue: formatCents(lines.reduce((s, l) => s + l.revenue_cents, 0)) });
    expect(files.reduce((s, f) => s + f.rows, 0)).toBe(4000);
  });

  it('bounds buffered rows and open files when dates arrive interleaved, still one file a date', async () => {
    // Prepare: 10 dates, at most 300 buffered rows and 2 open files
    const lines = [...orderLines(3000, { seed: 8, days: 10, batchId: 'bounded' })];
    const key = await putEnriched(store, 'bounded', { order_lines: lines });
    deps.limits = { maxBufferedRows: 300, maxOpenFiles: 2 };

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess: 2 dates written at a time (the others wait on local disk), same rows and money
    const files = ofTable(manifest, 'order_lines');
    expect(new Set(files.map((f) => f.order_date)).size).toBe(10);
    expect(files).toHaveLength(10);
    const [total] = await query(
      `SELECT COUNT(*)::INTEGER AS n, SUM(profit)::VARCHAR AS profit FROM read_parquet(${await local(files)})`,
    );
    expect(total).toEqual({ n: 3000, profit: formatCents(lines.reduce((s, l) => s + l.profit_cents, 0)) });
  });

  it('finishes files early so that the open files hold at most so many row groups of footer metadata', async () => {
    // Prepare: 4 dates interleaved make short row groups (~25 rows); 12 row groups held at most
    const lines = [...orderLines(2000, { seed: 9, days: 4, batchId: 'held' })];
    const key = await putEnriched(store, 'held', { order_lines: lines });
    deps.limits = { maxBufferedRows: 100, maxHeldRowGroups: 12 };

    // Act
    const manifest = await runConvert(deps, { bucket: 'raw', key });

    // Assess: no file holds more than the cap, so files end early (not one a date); nothing lost
    const files = ofTable(manifest, 'order_lines');
    const groups = await query(
      `SELECT file_name, COUNT(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata(${await local(files)}) GROUP BY file_name`,
    );
    expect(groups).toHaveLength(files.length);
    expect(Math.max(...groups.map((g) => g.n as number))).toBeLessThanOrEqual(12);
    expect(files.length).toBeGreaterThan(2 * 4);
    const [total] = await query(
      `SELECT COUNT(*)::INTEGER AS n, SUM(revenue)::VARCHAR AS revenue FROM read_parquet(${await local(files)})`,
    );
    expect(total).toEqual({ n: 2000, revenue: formatCents(lines.reduce((s, l) => s + l.revenue_cents, 0)) });
  });

  it('refuses an input that does not match its manifest checksum and writes no manifest', async () => {
    // Prepare: the file changes after enrich listed it
    const key = await putEnriched(store, 'tampered', { customers: [customer('1')] });
    await store.put(
      'raw',
      'enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=tampered/customers.ndjson',
      `${JSON.stringify(customer('2'))}\n`,
      'application/x-ndjson',
    );

    // Act
    const result = runConvert(deps, { bucket: 'raw', key });

    // Assess
    await expect(result).rejects.toThrow(ManifestMismatchError);
    await expect(result).rejects.toThrow(/checksum/);
    expect((await store.list('curated', 'curated/_manifests/')).map((o) => o.key)).not.toContain(
      'curated/_manifests/tampered.json',
    );
    expect(queue.sent).toEqual([]);
  });

  it.each([
    ['a fractional amount', { revenue_cents: 10.5 }, /row 1: column revenue: expected an integer amount/],
    ['an amount beyond DECIMAL(12,2)', { cost_cents: 1e12 }, /column cost: expected an integer amount/],
    [
      'a timestamp without a zone',
      { order_ts: '2026-10-01T10:00:00' },
      /column order_ts: expected an ISO-8601/,
    ],
    ['a missing required text', { order_id: null }, /column order_id: is required/],
    ['an impossible order date', { order_date: '2026-13-45' }, /order_date|not a date/],
  ])('refuses a line with %s, naming the row and column', async (_, change, message) => {
    // Prepare
    const [line] = [...orderLines(1, { seed: 1 })];
    const key = await putEnriched(store, 'bad', { order_lines: [{ ...line!, ...change } as OrderLine] });

    // Act
    const result = runConvert(deps, { bucket: 'raw', key });

    // Assess
    await expect(result).rejects.toThrow(ManifestMismatchError);
    await expect(result).rejects.toThrow(message);
    expect(queue.sent).toEqual([]);
  });

  describe('with more dates than open files', () => {
    let tmp: string;
    let logged: LogFields[];

    beforeEach(async () => {
      tmp = await mkdtemp(join(dir, 'tmp-'));
      logged = [];
      deps.tmpDir = tmp;
      deps.log = createLogger('info', {}, (line) => logged.push(JSON.parse(line) as LogFields));
    });

    /** The spill levels convert logged: level, dates and rows. */
    const spillLevels = () =>
      logged
        .filter((l) => l.message === 'rows of dates beyond the open-file limit spilled to local disk')
        .map((l) => ({ level: l.spillLevel, dates: l.dates, rows: l.rows }));

    it('writes one file a date, every row and cent of it, spilling the dates beyond the limit to local disk', async () => {
      // Prepare: 40 dates interleaved, 2 written at a time: 38 dates over 16 buckets leave at
      // least one bucket with 3 (pigeonhole), whose third date goes a level down
      const lines = [...orderLines(4000, { seed: 21, days: 40, batchId: 'spilled' })];
      const key = await putEnriched(store, 'spilled', { order_lines: lines });
      deps.limits = { maxOpenFiles: 2 };

      // Act
      const manifest = await runConvert(deps, { bucket: 'raw', key });

      // Assess: one part a date, two spill levels, the spill folder gone
      const files = ofTable(manifest, 'order_lines');
      const dates = [...new Set(lines.map((l) => l.order_date))].sort();
      expect(dates).toHaveLength(40);
      expect(files.map((f) => f.key).sort()).toEqual(
        dates.map((d) => `curated/order_lines/order_date=${d}/spilled-part-0.parquet`),
      );
      const live = [...new Set(lines.map((l) => l.order_date))].slice(0, 2);
      const levels = spillLevels();
      expect(levels[0]).toEqual({
        level: 0,
        dates: 38,
        rows: lines.filter((l) => !live.includes(l.order_date)).length,
      });
      expect(levels.map((l) => l.level)).toContain(1);
      expect(await readdir(tmp)).toEqual([]);

      // Assess: per date, the rows and every money column to the cent, read back with DuckDB
      const perDate = await query(
        `SELECT order_date::VARCHAR AS d, COUNT(*)::INTEGER AS n, ${MONEY.map((c) => `SUM(${c})::VARCHAR AS ${c}`).join(', ')}
         FROM read_parquet(${await local(files)}) GROUP BY 1 ORDER BY 1`,
      );
      const expected = dates.map((d) => {
        const day = lines.filter((l) => l.order_date === d);
        return { d, n: day.length, ...moneySums(day) };
      });
      expect(perDate).toEqual(expected);
      expect(manifest.rows.order_lines).toBe(4000);
    });

    it('writes the same keys and bytes when the same input is converted again', async () => {
      // Prepare
      const lines = [...orderLines(2000, { seed: 22, days: 20, batchId: 'again' })];
      const key = await putEnriched(store, 'again', { order_lines: lines });
      deps.limits = { maxOpenFiles: 3 };

      // Act
      const first = await runConvert(deps, { bucket: 'raw', key });
      const second = await runConvert(deps, { bucket: 'raw', key });

      // Assess
      expect(spillLevels().length).toBeGreaterThanOrEqual(2);
      expect(ofTable(first, 'order_lines')).toHaveLength(20);
      expect(second.files).toEqual(first.files);
    });

    it('fails on a bad row of a spilled date, naming its line, and removes the spill folder', async () => {
      // Prepare: a fractional amount on the last line, whose date is not among the 2 written first
      const lines = [...orderLines(1000, { seed: 23, days: 20, batchId: 'spilledbad' })];
      const first = new Set(lines.slice(0, 200).map((l) => l.order_date));
      const at = lines.findLastIndex((l) => ![...first].slice(0, 2).includes(l.order_date));
      lines[at] = { ...lines[at]!, revenue_cents: 10.5 };
      const key = await putEnriched(store, 'spilledbad', { order_lines: lines });
      deps.limits = { maxOpenFiles: 2 };

      // Act
      const result = runConvert(deps, { bucket: 'raw', key });

      // Assess
      await expect(result).rejects.toThrow(ManifestMismatchError);
      await expect(result).rejects.toThrow(
        new RegExp(`row ${at + 1}: column revenue: expected an integer amount`),
      );
      expect(spillLevels()[0]).toMatchObject({ level: 0 });
      expect(await readdir(tmp)).toEqual([]);
      expect(queue.sent).toEqual([]);
    });

    it('removes the spill folder when the input fails its manifest checksum after spilling', async () => {
      // Prepare: the order lines change after enrich listed them; the folder is watched as they end
      const lines = [...orderLines(2000, { seed: 24, days: 20, batchId: 'spilledsum' })];
      const key = await putEnriched(store, 'spilledsum', { order_lines: lines });
      const linesKey =
        'enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=spilledsum/order_lines.ndjson';
      const changed = lines.map((l, i) => (i === 1999 ? { ...l, quantity: l.quantity + 1 } : l));
      await store.put(
        'raw',
        linesKey,
        changed.map((l) => `${JSON.stringify(l)}\n`).join(''),
        'application/x-ndjson',
      );
      const atEnd: string[][] = [];
      deps.store = Object.assign(Object.create(store) as ObjectStore, {
        getStream: async (bucket: string, objectKey: string) => {
          const stream = await store.getStream(bucket, objectKey);
          if (objectKey === linesKey) stream.on('end', () => atEnd.push(readdirSync(tmp)));
          return stream;
        },
      });
      deps.limits = { maxOpenFiles: 2 };

      // Act
      const result = runConvert(deps, { bucket: 'raw', key });

      // Assess: the folder was there when the input ended, and is gone after the failure
      await expect(result).rejects.toThrow(/checksum/);
      expect(atEnd).toEqual([[expect.stringMatching(/^convert-dates-/)]]);
      expect(await readdir(tmp)).toEqual([]);
    });

    it('removes a crashed invocation’s spill folder, older than any live one can be, before spilling', async () => {
      // Prepare: leftovers an hour old (convert's and enrich's) and a recent one of a live invocation
      for (const name of ['convert-dates-old', 'convert-dates-live', 'enrich-duplicates-old'])
        await mkdir(join(tmp, name, 'x'), { recursive: true });
      const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
      await utimes(join(tmp, 'convert-dates-old'), hourAgo, hourAgo);
      await utimes(join(tmp, 'enrich-duplicates-old'), hourAgo, hourAgo);
      const lines = [...orderLines(500, { seed: 25, days: 10, batchId: 'stale' })];
      const key = await putEnriched(store, 'stale', { order_lines: lines });
      deps.limits = { maxOpenFiles: 2 };

      // Act
      await runConvert(deps, { bucket: 'raw', key });

      // Assess: only convert's stale folder went (enrich removes its own)
      expect(spillLevels().length).toBeGreaterThanOrEqual(1);
      expect((await readdir(tmp)).sort()).toEqual(['convert-dates-live', 'enrich-duplicates-old']);
    });
  });
});
