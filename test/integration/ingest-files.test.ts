import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../local/generator';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { createIngestHandler } from '../../services/ingest/handler';
import { getText, S3ObjectStore } from '../../shared/adapters/object-store';
import { compose } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { runIdForFile } from '../../shared/domain/file-drop';
import { type RawManifest, rawManifestSchema } from '../../shared/domain/manifest';
import { fileDrops } from '../../shared/domain/sources/files';
import { InvalidEventError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { type IngestFileDeps, ingestNotification, runIngestFile } from '../../shared/stages/ingest-files';
import { readListedFile } from '../../shared/stages/manifest-io';

const BUCKET = 'raw';
const FIXTURES = join(import.meta.dirname, '../fixtures/files');
const EVENT_TIME = '2026-11-26T10:15:00.000Z';

/** The SQS message body S3 sends for created objects. */
function notification(
  objects: { key: string; eTag?: string; size?: number }[],
  eventTime = EVENT_TIME,
): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime,
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: o.key
            .split('/')
            .map((part) => encodeURIComponent(part).replace(/%20/g, '+'))
            .join('/'),
          ...(o.size !== undefined ? { size: o.size } : {}),
          ...(o.eTag !== undefined ? { eTag: o.eTag } : {}),
        },
      },
    })),
  });
}

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 's3',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:IngestFilesQueue',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('ingesting dropped files from s3rver', () => {
  let dir: string;
  let s3: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;

  const deps = (partRecords?: number): IngestFileDeps => ({
    store,
    config: { rawBucket: BUCKET },
    log: createLogger('silent'),
    now: () => new Date('2026-11-26T10:15:03.000Z'),
    partRecords,
  });

  /** Put a landing file; its ETag and the event S3 would send. */
  const drop = async (key: string, body: string | Buffer) => {
    await store.put(BUCKET, key, body, 'application/octet-stream');
    const { eTag, size } = await store.head(BUCKET, key);
    return { bucket: BUCKET, key, eTag, size, eventTime: new Date(EVENT_TIME) };
  };

  /** Every record of a run's parts, read back the way enrich reads them, checked against the manifest. */
  const readBack = async (manifest: RawManifest) => {
    const records: unknown[] = [];
    for (const file of manifest.files) {
      const body = JSON.parse(new TextDecoder().decode(await readListedFile(store, BUCKET, file))) as unknown;
      const part = fileDrops.recordsOf(file.entity as 'orders', body).records;
      expect(part).toHaveLength(file.records);
      records.push(...part);
    }
    return records as { file: string; line: number; position: number; data?: Record<string, unknown> }[];
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-files-'));
    s3 = await startS3Server({ directory: dir, buckets: [BUCKET] });
    client = new S3Client(s3ClientConfig(s3.endpoint));
    store = new S3ObjectStore(client);
  });

  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a JSON Lines file as parts of at most N records under its run, then the manifest last', async () => {
    // Prepare
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ event_id: `E${i + 1}` }));
    lines[6] = '{"event_id":"E7","quant';
    const object = await drop('landing/sales-a.jsonl', `${lines.join('\n')}\n`);
    const runId = runIdForFile(BUCKET, object.key, object.eTag);
    const prefix = `raw/source=files/ingest_date=2026-11-26/run_id=${runId}/`;

    // Act
    const manifest = await runIngestFile(deps(5), object);

    // Assess
    expect(runId).toMatch(/^sales-a-jsonl-[0-9a-f]{16}$/);
    expect(manifest).toMatchObject({
      stage: 'ingest',
      source: 'files',
      run_id: runId,
      ingest_date: '2026-11-26',
      scheduled_time: EVENT_TIME,
      ingested_at: '2026-11-26T10:15:03.000Z',
      totals: { orders: 12 },
    });
    expect(manifest?.files.map((f) => [f.key, f.entity, f.records, f.url])).toEqual([
      [`${prefix}orders/part-00001.json`, 'orders', 5, `s3://raw/landing/sales-a.jsonl`],
      [`${prefix}orders/part-00002.json`, 'orders', 5, `s3://raw/landing/sales-a.jsonl`],
      [`${prefix}orders/part-00003.json`, 'orders', 2, `s3://raw/landing/sales-a.jsonl`],
    ]);
    const written = rawManifestSchema.parse(
      JSON.parse(await getText(store, BUCKET, `${prefix}_manifest.json`)),
    );
    expect(written).toEqual(manifest);
    const records = await readBack(manifest!);
    expect(records.map((r) => [r.line, r.position])).toEqual(lines.map((_, i) => [i + 1, i + 1]));
    expect(records[6]).toMatchObject({ line: 7, unparseable: { raw_text: '{"event_id":"E7","quant' } });
    expect(fileDrops.mapOrder(records[6])[0]?.unparseable?.raw_text).toBe('{"event_id":"E7","quant');
  });

  it.each<{
    name: string;
    key: string;
    body: () => Promise<Buffer>;
    entity: string;
    records: number;
    unparseable: number;
  }>([
    {
      name: 'a spreadsheet CSV (BOM, CRLF, quoted newline, a short row)',
      key: 'landing/customers-excel.csv',
      body: () => readFile(join(FIXTURES, 'customers-excel.csv')),
      entity: 'customers',
      records: 4,
      unparseable: 1,
    },
    {
      name: 'the same CSV gzipped',
      key: 'landing/customers-excel.csv.gz',
      body: async () => gzipSync(await readFile(join(FIXTURES, 'customers-excel.csv'))),
      entity: 'customers',
      records: 4,
      unparseable: 1,
    },
    {
      name: 'a products CSV with quoted titles',
      key: 'landing/products.csv',
      body: async () => Buffer.from(generateDrop({ products: 30 }).files['products.csv']!),
      entity: 'products',
      records: 30,
      unparseable: 0,
    },
    {
      name: 'a JSON array of events',
      key: 'landing/sales.json',
      body: async () => Buffer.from(generateDrop({ orders: 40 }).files['sales.json']!),
      entity: 'orders',
      records: 20,
      unparseable: 0,
    },
    {
      name: 'events in JSON Lines, gzipped, with a line cut short',
      key: 'landing/events-2026-11-26.jsonl.gz',
      body: async () => gzipSync(generateDrop({ orders: 200, invalidRate: 0.1 }).files['sales.jsonl']!),
      entity: 'orders',
      records: 100,
      unparseable: 1,
    },
    {
      name: 'a zero-byte file',
      key: 'landing/sales-empty.jsonl',
      body: async () => Buffer.alloc(0),
      entity: 'orders',
      records: 0,
      unparseable: 0,
    },
    {
      name: 'a gzipped empty file',
      key: 'landing/sales-empty.json.gz',
      body: async () => gzipSync(''),
      entity: 'orders',
      records: 0,
      unparseable: 0,
    },
    {
      name: 'an empty JSON array',
      key: 'landing/sales-none.json',
      body: async () => Buffer.from('[]'),
      entity: 'orders',
      records: 0,
      unparseable: 0,
    },
    {
      name: 'a CSV with a header only',
      key: 'landing/products-none.csv',
      body: async () => Buffer.from('product_id,title,category,brand,unit_price,cost\r\n'),
      entity: 'products',
      records: 0,
      unparseable: 0,
    },
  ])('ingests $name', async ({ key, body, entity, records, unparseable }) => {
    // Prepare
    const object = await drop(key, await body());

    // Act
    const manifest = await runIngestFile(deps(), object);

    // Assess
    expect(manifest?.totals).toEqual({ [entity]: records });
    expect(manifest?.files.length).toBe(1);
    expect(manifest?.files[0]?.entity).toBe(entity);
    const read = await readBack(manifest!);
    expect(read).toHaveLength(records);
    expect(read.filter((r) => !r.data)).toHaveLength(unparseable);
    expect(read.every((r) => r.file === `s3://raw/${key}`)).toBe(true);
  });

  it('rewrites the same keys when the same object is ingested again, and a new version gets a new run', async () => {
    // Prepare
    const first = await drop('landing/sales-b.jsonl', '{"event_id":"E1"}\n');
    const once = await runIngestFile(deps(), first);
    const keysAfterOnce = (await store.list(BUCKET, 'raw/source=files/')).map((o) => o.key);

    // Act
    const twice = await runIngestFile(deps(), first);
    const keysAfterTwice = (await store.list(BUCKET, 'raw/source=files/')).map((o) => o.key);
    const second = await drop('landing/sales-b.jsonl', '{"event_id":"E1"}\n{"event_id":"E2"}\n');
    const replaced = await runIngestFile(deps(), second);

    // Assess
    expect(twice).toEqual(once);
    expect(keysAfterTwice).toEqual(keysAfterOnce);
    expect(replaced?.run_id).not.toBe(once?.run_id);
    expect(replaced?.totals).toEqual({ orders: 2 });
  });

  it('skips an event whose object was replaced since (its own event ingests the new version)', async () => {
    // Prepare
    const old = await drop('landing/sales-c.jsonl', '{"event_id":"E1"}\n');
    await drop('landing/sales-c.jsonl', '{"event_id":"E9"}\n');
    const before = await store.list(BUCKET, 'raw/source=files/');

    // Act
    const manifest = await runIngestFile(deps(), old);

    // Assess
    expect(manifest).toBeUndefined();
    expect(await store.list(BUCKET, 'raw/source=files/')).toEqual(before);
  });

  it('does nothing for an object that is gone', async () => {
    // Act + Assess
    expect(await runIngestFile(deps(), { bucket: BUCKET, key: 'landing/sales-gone.jsonl' })).toBeUndefined();
  });

  it('refuses a file whose name is not in the contract, naming it', async () => {
    // Prepare
    const object = await drop('landing/orders.csv', 'a,b\n');
    // Act + Assess
    await expect(runIngestFile(deps(), object)).rejects.toThrow(InvalidEventError);
    await expect(runIngestFile(deps(), object)).rejects.toThrow(/landing\/orders\.csv: not a file name/);
  });

  it('streams the object instead of reading it whole', async () => {
    // Prepare: a store whose get() would buffer the object; ingest must not call it
    const object = await drop('landing/sales-d.jsonl', '{"event_id":"E1"}\n');
    const streaming = Object.assign(Object.create(store) as S3ObjectStore, {
      get: () => Promise.reject(new Error('get() reads the whole object')),
    });
    // Act
    const manifest = await runIngestFile({ ...deps(), store: streaming }, object);
    // Assess
    expect(manifest?.totals).toEqual({ orders: 1 });
  });

  it('ingests every landing object an S3 notification announces, with its key decoded, and ignores others', async () => {
    // Prepare
    const a = await drop('landing/sales week 48.jsonl', '{"event_id":"E1"}\n');
    const body = notification(
      [{ key: a.key, eTag: a.eTag, size: a.size }, { key: 'other/sales.jsonl' }],
      '2026-11-30T23:59:59.000Z',
    );

    // Act
    const manifests = await ingestNotification(deps(), body);

    // Assess
    expect(manifests).toHaveLength(1);
    expect(manifests[0]?.ingest_date).toBe('2026-11-30');
    expect(manifests[0]?.files[0]?.url).toBe('s3://raw/landing/sales week 48.jsonl');
    expect(
      await ingestNotification(deps(), JSON.stringify({ Event: 's3:TestEvent', Bucket: BUCKET })),
    ).toEqual([]);
  });

  it('runs as the ingest handler on an SQS batch, reporting only the failed message', async () => {
    // Prepare
    const good = await drop('landing/sales-e.jsonl', '{"event_id":"E1"}\n{"event_id":"E2"}\n');
    const config = loadConfig({ RAW_BUCKET: BUCKET, CURATED_BUCKET: 'curated', S3_ENDPOINT: s3.endpoint });
    const runtime = compose(config, { s3: client, log: createLogger('silent') });
    const handler = createIngestHandler(() => runtime);
    const event = sqsEvent([
      notification([{ key: good.key, eTag: good.eTag }]),
      notification([{ key: 'landing/readme.txt' }]),
      JSON.stringify({ Event: 's3:TestEvent' }),
    ]);

    // Act
    const response = await handler(event, { functionName: 'ingest', awsRequestId: 'test' } as Context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    const runId = runIdForFile(BUCKET, good.key, good.eTag);
    const manifest = await getText(
      store,
      BUCKET,
      `raw/source=files/ingest_date=2026-11-26/run_id=${runId}/_manifest.json`,
    );
    expect(rawManifestSchema.parse(JSON.parse(manifest)).totals).toEqual({ orders: 2 });
  });

  it('splits a file of 12,345 events into parts of 5,000 records, numbered across parts', async () => {
    // Prepare: 12,345 events through the real part size
    const body = Readable.from(
      (function* () {
        for (let i = 1; i <= 12_345; i += 1) yield `{"event_id":"E${i}","quantity":1}\n`;
      })(),
    );
    await store.putStream(BUCKET, 'landing/sales-f.jsonl', body, 'application/x-ndjson');
    const { eTag } = await store.head(BUCKET, 'landing/sales-f.jsonl');

    // Act
    const manifest = await runIngestFile(deps(), { bucket: BUCKET, key: 'landing/sales-f.jsonl', eTag });

    // Assess
    expect(manifest?.files.map((f) => f.records)).toEqual([5_000, 5_000, 2_345]);
    const records = await readBack(manifest!);
    expect(records.at(-1)).toMatchObject({ line: 12_345, position: 12_345, data: { event_id: 'E12345' } });
  });
});
