import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import type { MessageQueue } from '../../shared/adapters/message-queue';
import { compose, type Runtime } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { REASON } from '../../shared/constants';
import { manifestKeyIn, rawPageKey, rawRunPrefix } from '../../shared/domain/layout';
import type { LoadMessage, RawManifest } from '../../shared/domain/manifest';
import { parseNdjson } from '../../shared/domain/ndjson';
import type { SourceDefinition, SourceOrderLine } from '../../shared/domain/sources';
import type { OrderLine, Reject } from '../../shared/domain/types';
import { createLogger } from '../../shared/logger';
import { runConvert } from '../../shared/stages/convert';
import { type EnrichDeps, runEnrich } from '../../shared/stages/enrich';
import { runLoad } from '../../shared/stages/load';

/** A file record as a file-drop ingest would write it: its line number, then its fields or its text. */
type FileRecord = {
  line: number;
  data?: Record<string, unknown>;
  unparseable?: { raw_text: string; error: string };
};

/** A self-describing event source, shaped like the file-drop contract (DESIGN.md). */
const events: SourceDefinition = {
  name: 'events',
  kind: 'files',
  paths: { customers: '', products: '', orders: '' },
  paging: 'none',
  recordsOf: (_entity, body) => ({ records: (body as { records: unknown[] }).records }),
  mapCustomer(raw) {
    const { line, data = {} } = raw as FileRecord;
    return {
      customer_id: data.customer_id,
      city: data.city,
      country: data.country,
      source_line: line,
      raw: data,
    };
  },
  mapProduct(raw) {
    const { line, data = {} } = raw as FileRecord;
    return {
      product_id: data.product_id,
      category: data.category,
      unit_price: data.unit_price,
      unit_cost: data.cost,
      source_line: line,
      raw: data,
    };
  },
  mapOrder(raw): SourceOrderLine[] {
    const { line, data, unparseable } = raw as FileRecord;
    if (unparseable) {
      return [
        {
          order_id: null,
          line_no: 1,
          customer_id: null,
          product_id: null,
          quantity: null,
          unit_price: null,
          unparseable,
          source_line: line,
          raw: null,
        },
      ];
    }
    const e = data ?? {};
    return [
      {
        order_id: e.order_id ?? e.event_id,
        line_no: typeof e.line_no === 'number' ? e.line_no : 1,
        natural_key: e.event_id,
        order_ts: e.event_ts,
        status: e.status,
        customer_id: e.customer_id,
        product_id: e.product_id,
        quantity: e.quantity,
        unit_price: e.unit_price,
        discount_amount: e.discount_amount,
        stated_total: e.total_amount,
        channel: e.marketing_channel,
        payment_method: e.payment_method,
        // Events carry their customer and product when they describe them (city, category).
        ...(e.city === undefined
          ? {}
          : { customer: { customer_id: e.customer_id, city: e.city, country: e.country, raw: null } }),
        ...(e.category === undefined
          ? {}
          : {
              product: {
                product_id: e.product_id,
                category: e.category,
                unit_price: e.unit_price,
                raw: null,
              },
            }),
        source_line: line,
        raw: e,
      },
    ];
  },
};

const sourceNamed = (name: string) => (name === 'events' ? events : undefined);

/** Records what convert sends, standing in for the FIFO load queue. */
class RecordingQueue implements MessageQueue {
  readonly sent: { body: unknown }[] = [];
  async send(_queueUrl: string, body: unknown) {
    this.sent.push({ body });
  }
}

const sha256 = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

const event = (n: number, fields: Record<string, unknown> = {}) => ({
  event_id: `ev-${n}`,
  event_ts: '2026-11-25T10:00:00Z',
  customer_id: 'c-1',
  city: 'Lyon',
  country: 'France',
  product_id: 'p-1',
  category: 'books',
  quantity: 2,
  unit_price: '12.50',
  total_amount: '25.00',
  marketing_channel: 'email',
  payment_method: 'card',
  ...fields,
});

describe('enrich against s3rver', () => {
  let dir: string;
  let s3: S3Server;
  let rt: Runtime;
  let deps: EnrichDeps;
  const queue = new RecordingQueue();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'enrich-'));
    s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['raw', 'curated'] });
    const config = loadConfig({
      RAW_BUCKET: 'raw',
      CURATED_BUCKET: 'curated',
      LOAD_QUEUE_URL: 'http://127.0.0.1:1/000000000000/LoadQueue.fifo',
      DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
    });
    rt = {
      ...compose(config, { s3: new S3Client(s3ClientConfig(s3.endpoint)), log: createLogger('silent') }),
      queue,
    };
    deps = { ...rt, sourceNamed };
  });

  afterAll(async () => {
    await rt?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Write a raw run (pages, then the manifest) as ingest would; returns the manifest's key. */
  async function writeRun(
    runId: string,
    ingestedAt: string,
    files: { entity: 'customers' | 'products' | 'orders'; url: string; records: FileRecord[] }[],
  ): Promise<string> {
    const prefix = rawRunPrefix('events', '2026-11-26', runId);
    const listed: RawManifest['files'] = [];
    for (const [index, file] of files.entries()) {
      const key = rawPageKey(prefix, file.entity, index + 1);
      const body = JSON.stringify({ records: file.records });
      await rt.store.put('raw', key, body, 'application/json');
      listed.push({
        key,
        entity: file.entity,
        records: file.records.length,
        url: file.url,
        bytes: body.length,
        sha256: sha256(body),
      });
    }
    const manifest: RawManifest = {
      stage: 'ingest',
      source: 'events',
      run_id: runId,
      ingest_date: '2026-11-26',
      scheduled_time: ingestedAt,
      ingested_at: ingestedAt,
      files: listed,
      totals: {},
    };
    await rt.store.put('raw', manifestKeyIn(prefix), JSON.stringify(manifest), 'application/json');
    return manifestKeyIn(prefix);
  }

  const readRows = async <T>(key: string) =>
    parseNdjson(new TextDecoder().decode(await rt.store.get('raw', key))) as T[];

  it('streams a run into order lines and rejects whose bytes match the manifest, each reject with its line', async () => {
    // Prepare: one sales file of self-describing events, some of them broken
    const url = 's3://raw/landing/sales-1.jsonl';
    const rawText = '{"event_id": "ev-9", "quantity": 2,,}';
    const key = await writeRun('sales-1', '2026-11-26T03:00:05.000Z', [
      {
        entity: 'orders',
        url,
        records: [
          { line: 1, data: event(1) },
          { line: 2, data: event(2, { quantity: '1', total_amount: '12.50', discount_amount: '2.50' }) },
          { line: 3, data: event(1, { quantity: 9 }) },
          { line: 4, unparseable: { raw_text: rawText, error: 'Unexpected token ,' } },
          { line: 5, data: event(5, { total_amount: '99.00' }) },
          { line: 6, data: event(6, { event_ts: '2027-01-01T00:00:00Z' }) },
          { line: 7, data: event(7, { event_id: '  ', order_id: null }) },
          { line: 8, data: event(8, { status: 'Refunded', marketing_channel: '', payment_method: null }) },
        ],
      },
    ]);

    // Act
    const manifest = await runEnrich(deps, { bucket: 'raw', key });

    // Assess: conservation and reasons in the manifest
    expect(manifest.order_lines).toEqual({ rows_in: 8, clean: 3, rejected: 4, duplicates: 1 });
    expect(manifest.rejects_by_reason).toEqual({
      [REASON.duplicate]: 1,
      [REASON.unparseable]: 1,
      [REASON.totalMismatch]: 1,
      [REASON.invalidTimestamp]: 1,
      [REASON.missingOrderId]: 1,
    });
    // Every listed file is what the bucket holds
    for (const file of manifest.files) {
      const body = await rt.store.get('raw', file.key);
      expect({ key: file.key, bytes: body.byteLength, sha256: sha256(body) }).toEqual({
        key: file.key,
        bytes: file.bytes,
        sha256: file.sha256,
      });
      expect(parseNdjson(new TextDecoder().decode(body))).toHaveLength(file.rows);
    }
    const lines = await readRows<OrderLine>(manifest.files.find((f) => f.table === 'order_lines')!.key);
    expect(lines.map((l) => [l.order_id, l.quantity, l.net_revenue_cents, l.status, l.channel])).toEqual([
      ['ev-1', 2, 2500, 'completed', 'email'],
      ['ev-2', 1, 1000, 'completed', 'email'],
      ['ev-8', 2, 2500, 'refunded', null],
    ]);
    expect(lines[0]).toMatchObject({ order_ts: '2026-11-25T10:00:00.000Z', source_file: url });
    const rejects = await readRows<Reject>(manifest.files.find((f) => f.table === 'order_rejects')!.key);
    expect(rejects.map((r) => [r.source_line, r.reason_code, r.record_key])).toEqual([
      [3, REASON.duplicate, 'ev-1'],
      [4, REASON.unparseable, null],
      [5, REASON.totalMismatch, 'ev-5'],
      [6, REASON.invalidTimestamp, 'ev-6'],
      [7, REASON.missingOrderId, null],
    ]);
    expect(rejects[1]?.raw_record).toBe(rawText);
    expect(JSON.parse(rejects[0]!.raw_record)).toEqual(event(1, { quantity: 9 }));
    expect(rejects.every((r) => r.source_file === url && r.batch_id === 'events-sales-1')).toBe(true);
    // The carried customer and product become dimension rows
    const customers = await readRows<{ customer_id: string; city: string }>(
      manifest.files.find((f) => f.table === 'customers')!.key,
    );
    expect(customers.map((c) => [c.customer_id, c.city])).toEqual([['c-1', 'Lyon']]);
  });

  it("joins a later run's lines with an earlier run's dimensions, and a replay writes the same bytes", async () => {
    // Prepare: run A brings customers and products (with cost); run B only sales without carried dims
    const runA = await writeRun('dims-a', '2026-11-26T04:00:00.000Z', [
      {
        entity: 'customers',
        url: 's3://raw/landing/customers.csv',
        records: [{ line: 2, data: { customer_id: 'k-1', city: 'Oslo' } }],
      },
      {
        entity: 'products',
        url: 's3://raw/landing/products.csv',
        records: [
          { line: 2, data: { product_id: 'q-1', category: 'toys', unit_price: '10.00', cost: '3.10' } },
          { line: 3, data: { product_id: 'q-2', category: 'toys', unit_price: 'free' } },
        ],
      },
    ]);
    const bare = (n: number, productId: string) => {
      const {
        city: _c,
        country: _k,
        category: _g,
        ...rest
      } = event(n, { customer_id: 'k-1', product_id: productId });
      return rest;
    };
    const runB = await writeRun('sales-b', '2026-11-26T05:00:00.000Z', [
      {
        entity: 'orders',
        url: 's3://raw/landing/sales-b.jsonl',
        records: [
          { line: 1, data: bare(1, 'q-1') },
          { line: 2, data: bare(2, 'q-2') },
        ],
      },
    ]);

    // Act
    const a = await runEnrich(deps, { bucket: 'raw', key: runA });
    const b = await runEnrich(deps, { bucket: 'raw', key: runB });
    const replayA = await runEnrich(deps, { bucket: 'raw', key: runA });
    const replayB = await runEnrich(deps, { bucket: 'raw', key: runB });

    // Assess: B joined A's records (source cost 3.10), its unknown product was rejected
    expect(a.files.find((f) => f.table === 'order_rejects')?.rows).toBe(1);
    expect(b.order_lines).toEqual({ rows_in: 2, clean: 1, rejected: 1, duplicates: 0 });
    const [sold] = await readRows<OrderLine>(b.files.find((f) => f.table === 'order_lines')!.key);
    expect(sold).toMatchObject({
      customer_id: 'k-1',
      product_id: 'q-1',
      unit_cost_cents: 310,
      cost_cents: 620,
    });
    expect(b.dims_snapshot?.read).toBe(a.dims_snapshot?.written);
    // A replay, even after a later batch, reads what it read the first time and writes the same bytes
    expect(replayA).toEqual(a);
    expect(replayB).toEqual(b);
  });

  it('streams a batch bigger than one multipart part', async () => {
    // Prepare: 30,000 events, ~12 MB of order lines
    const records = Array.from({ length: 30_000 }, (_, i) => ({ line: i + 1, data: event(i + 1) }));
    const key = await writeRun('sales-big', '2026-11-26T06:00:00.000Z', [
      { entity: 'orders', url: 's3://raw/landing/sales-big.jsonl', records },
    ]);
    // Act
    const manifest = await runEnrich(deps, { bucket: 'raw', key });
    // Assess
    const file = manifest.files.find((f) => f.table === 'order_lines')!;
    expect(file.rows).toBe(30_000);
    expect(file.bytes).toBeGreaterThan(5 * 1024 * 1024);
    const head = await rt.store.head('raw', file.key);
    expect(head.size).toBe(file.bytes);
    expect(sha256(await rt.store.get('raw', file.key))).toBe(file.sha256);
  });

  it('fails loudly and writes no manifest when a page does not match its checksum mid-batch', async () => {
    // Prepare: two pages of sales; the second is altered after the manifest listed it
    const key = await writeRun('sales-bad', '2026-11-26T06:30:00.000Z', [
      { entity: 'orders', url: 's3://raw/landing/a.jsonl', records: [{ line: 1, data: event(1) }] },
      { entity: 'orders', url: 's3://raw/landing/b.jsonl', records: [{ line: 1, data: event(2) }] },
    ]);
    const page = rawPageKey(rawRunPrefix('events', '2026-11-26', 'sales-bad'), 'orders', 2);
    await rt.store.put('raw', page, JSON.stringify({ records: [] }), 'application/json');
    // Act
    const outcome = runEnrich(deps, { bucket: 'raw', key });
    // Assess
    await expect(outcome).rejects.toThrow(/does not match its manifest checksum/);
    const written = (await rt.store.list('raw', 'enriched/source=events/')).map((o) => o.key);
    expect(written.filter((k) => k.includes('sales-bad'))).toEqual([]);
  });

  it('brings the rejects, with their line numbers, to STAGING.ORDER_REJECTS', async () => {
    // Prepare
    const key = await writeRun('sales-load', '2026-11-26T07:00:00.000Z', [
      {
        entity: 'orders',
        url: 's3://raw/landing/sales-load.jsonl',
        records: [
          { line: 1, data: event(1) },
          { line: 2, data: event(2, { quantity: 0 }) },
          { line: 3, unparseable: { raw_text: 'not json', error: 'Unexpected token o' } },
        ],
      },
    ]);
    const enriched = await runEnrich(deps, { bucket: 'raw', key });
    const enrichedKey = `${enriched.files[0]!.key.replace(/order_lines-[0-9a-f]+\.ndjson$/, '')}_manifest.json`;

    // Act
    await runConvert(rt, { bucket: 'raw', key: enrichedKey });
    const warehouse = await rt.warehouse();
    await runLoad({ ...rt, warehouse }, queue.sent.at(-1)!.body as LoadMessage);

    // Assess
    const rows = await warehouse.query(
      `SELECT reason_code, source_line, raw_record, source_file FROM STAGING.ORDER_REJECTS
       WHERE batch_id = 'events-sales-load' ORDER BY source_line`,
    );
    expect(rows).toEqual([
      {
        reason_code: REASON.invalidQuantity,
        source_line: 2,
        raw_record: JSON.stringify(event(2, { quantity: 0 })),
        source_file: 's3://raw/landing/sales-load.jsonl',
      },
      {
        reason_code: REASON.unparseable,
        source_line: 3,
        raw_record: 'not json',
        source_file: 's3://raw/landing/sales-load.jsonl',
      },
    ]);
  });
});
