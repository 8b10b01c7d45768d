import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { CuratedManifest, EnrichedManifest, RawManifest } from '../../shared/domain/manifest';
import { ManifestMismatchError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import {
  type BatchMeasurement,
  contextOfKey,
  contextOfLoad,
  contextOfNotification,
  contextOfRun,
  createEmfMetrics,
  createMemoryMetrics,
  measureConvert,
  measureEnrich,
  measureIngest,
  measureIngestRuns,
  measureLoad,
  observeBatch,
} from '../../shared/observability';

const BATCH = 'dummyjson-20261126T030000Z';
const SHA = 'a'.repeat(64);

const measurement = (overrides: Partial<BatchMeasurement> = {}): BatchMeasurement => ({
  stage: 'enrich',
  batchId: BATCH,
  source: 'dummyjson',
  key: `raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json`,
  startedAt: 1_000,
  endedAt: 1_250,
  values: {
    rowsIn: 372,
    rowsClean: 368,
    rowsRejected: 4,
    duplicates: 0,
    bytesWritten: 98_304,
    batchDuration: 250,
  },
  ...overrides,
});

describe('createEmfMetrics', () => {
  let stdout: string[];
  let write: MockInstance;
  beforeEach(() => {
    stdout = [];
    // Powertools Metrics prints EMF documents on stdout (CloudWatch Logs turns them into metrics).
    write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    write.mockRestore();
  });
  const documents = () =>
    stdout
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('publishes a batch as one EMF document with the stage as a dimension and the batch id as metadata', () => {
    // Prepare
    const metrics = createEmfMetrics({ serviceName: 'shop-pipeline' });

    // Act
    metrics.record(measurement());
    metrics.flush();

    // Assess
    const [emf, ...rest] = documents();
    expect(rest).toEqual([]);
    expect(emf).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'ShopPipeline',
            Dimensions: [['service', 'stage']],
            Metrics: expect.arrayContaining([
              { Name: 'RowsIn', Unit: 'Count' },
              { Name: 'RowsClean', Unit: 'Count' },
              { Name: 'RowsRejected', Unit: 'Count' },
              { Name: 'Duplicates', Unit: 'Count' },
              { Name: 'BytesWritten', Unit: 'Bytes' },
              { Name: 'BatchDuration', Unit: 'Milliseconds' },
            ]),
          },
        ],
      },
      service: 'shop-pipeline',
      stage: 'enrich',
      batchId: BATCH,
      source: 'dummyjson',
      RowsIn: 372,
      RowsClean: 368,
      RowsRejected: 4,
      Duplicates: 0,
      BytesWritten: 98_304,
      BatchDuration: 250,
    });
    expect(typeof (emf!._aws as { Timestamp?: unknown }).Timestamp).toBe('number');
  });

  it('writes one document per batch, so each carries its own batch id', () => {
    // Prepare
    const metrics = createEmfMetrics({ serviceName: 'shop-pipeline' });

    // Act
    metrics.record(measurement({ batchId: 'batch-a' }));
    metrics.record(measurement({ batchId: 'batch-b', values: { rowsIn: 5 } }));
    metrics.flush();

    // Assess
    expect(documents().map((d) => [d.batchId, d.RowsIn])).toEqual([
      ['batch-a', 372],
      ['batch-b', 5],
    ]);
  });

  it('keeps the stages apart: load latency is a load metric, in milliseconds', () => {
    // Prepare
    const metrics = createEmfMetrics({ serviceName: 'shop-pipeline' });

    // Act
    metrics.record(measurement({ stage: 'load', values: { rowsIn: 9, loadLatency: 412 } }));
    metrics.record(measurement({ stage: 'convert', values: { filesWritten: 4 } }));
    metrics.flush();

    // Assess
    const byStage = Object.fromEntries(documents().map((d) => [String(d.stage), d]));
    expect(byStage.load).toMatchObject({ LoadLatency: 412, RowsIn: 9 });
    expect(JSON.stringify(byStage.load?._aws)).toContain('{"Name":"LoadLatency","Unit":"Milliseconds"}');
    expect(byStage.convert).toMatchObject({ FilesWritten: 4 });
    expect(byStage.convert).not.toHaveProperty('LoadLatency');
  });

  it('publishes nothing when no batch was recorded', () => {
    // Prepare
    const metrics = createEmfMetrics({ serviceName: 'shop-pipeline' });

    // Act
    metrics.flush();

    // Assess
    expect(documents()).toEqual([]);
  });
});

describe('createMemoryMetrics', () => {
  it('keeps every measurement, tells subscribers, and counts flushes', () => {
    // Prepare
    const metrics = createMemoryMetrics();
    const seen: string[] = [];
    const unsubscribe = metrics.subscribe((m) => seen.push(`${m.stage}:${m.batchId}`));

    // Act
    metrics.record(measurement({ stage: 'ingest' }));
    unsubscribe();
    metrics.record(measurement({ stage: 'load' }));
    metrics.flush();

    // Assess
    expect(metrics.measurements.map((m) => m.stage)).toEqual(['ingest', 'load']);
    expect(seen).toEqual([`ingest:${BATCH}`]);
    expect(metrics.flushes).toBe(1);
  });
});

describe('batch context', () => {
  it.each([
    [
      'a raw manifest names its run',
      'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json',
      { source: 'dummyjson', batchId: BATCH },
    ],
    [
      'an enriched manifest names its batch',
      `enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=${BATCH}/_manifest.json`,
      { source: 'dummyjson', batchId: BATCH },
    ],
    ['a key outside the layout names only itself', 'landing/sales.jsonl', {}],
  ])('reads the batch from its S3 key: %s', (_name, key, expected) => {
    // Act
    const context = contextOfKey(key);
    // Assess
    expect(context).toEqual({ ...expected, key });
  });

  it('names the batch and raw manifest of a scheduled run before it starts', () => {
    // Act
    const context = contextOfRun({ source: 'dummyjson', scheduledTime: new Date('2026-11-26T03:00:00Z') });
    // Assess
    expect(context).toEqual({
      batchId: BATCH,
      source: 'dummyjson',
      key: 'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json',
    });
  });

  it('names the first object of an S3 notification, and nothing for a body that is not one', () => {
    // Prepare
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'raw' }, object: { key: 'landing/sales.jsonl' } },
        },
      ],
    });
    // Act
    const context = contextOfNotification(body);
    const none = contextOfNotification('not json');
    // Assess
    expect(context).toEqual({ key: 'landing/sales.jsonl' });
    expect(none).toEqual({});
  });

  it('finds the source of a load message from its batch id', () => {
    // Act
    const context = contextOfLoad({ batchId: BATCH, manifestKey: `curated/_manifests/${BATCH}.json` });
    // Assess
    expect(context).toEqual({ batchId: BATCH, source: 'dummyjson', key: `curated/_manifests/${BATCH}.json` });
  });
});

describe('stage measures', () => {
  it('counts pages, records and bytes of an ingest run', () => {
    // Prepare
    const manifest: RawManifest = {
      stage: 'ingest',
      source: 'dummyjson',
      run_id: '20261126T030000Z',
      ingest_date: '2026-11-26',
      scheduled_time: '2026-11-26T03:00:00Z',
      ingested_at: '2026-11-26T03:00:01Z',
      files: [
        { key: 'a', bytes: 100, sha256: SHA, entity: 'customers', records: 30, url: 'u1' },
        { key: 'b', bytes: 250, sha256: SHA, entity: 'orders', records: 50, url: 'u2' },
      ],
      totals: { customers: 30, orders: 50 },
    };
    // Act
    const measured = measureIngest(manifest);
    // Assess
    expect(measured).toEqual({
      batchId: BATCH,
      source: 'dummyjson',
      values: { pagesFetched: 2, rowsIn: 80, filesWritten: 2, bytesWritten: 350 },
    });
  });

  it('adds up the files one notification ingested, and names the batch when there is one', () => {
    // Prepare
    const run = (runId: string, bytes: number): RawManifest => ({
      stage: 'ingest',
      source: 'files',
      run_id: runId,
      ingest_date: '2026-11-26',
      scheduled_time: '2026-11-26T03:00:00Z',
      ingested_at: '2026-11-26T03:00:01Z',
      files: [
        { key: `k-${runId}`, bytes, sha256: SHA, entity: 'orders', records: 10, url: 's3://raw/landing/x' },
      ],
      totals: { orders: 10 },
    });
    // Act
    const one = measureIngestRuns([run('r1', 100)]);
    const two = measureIngestRuns([run('r1', 100), run('r2', 50)]);
    // Assess
    expect(one).toMatchObject({ batchId: 'files-r1', source: 'files' });
    expect(two).toEqual({ values: { pagesFetched: 2, rowsIn: 20, filesWritten: 2, bytesWritten: 150 } });
  });

  it('takes enrich counts from the manifest conservation, so rows in = clean + rejected + duplicates', () => {
    // Prepare
    const manifest = {
      stage: 'enrich',
      source: 'dummyjson',
      batch_id: BATCH,
      files: [{ key: 'x', bytes: 10, sha256: SHA, table: 'order_lines', rows: 368 }],
      order_lines: { rows_in: 374, clean: 368, rejected: 4, duplicates: 2 },
    } as unknown as EnrichedManifest;
    // Act
    const { values } = measureEnrich(manifest);
    // Assess
    expect(values).toEqual({
      rowsIn: 374,
      rowsClean: 368,
      rowsRejected: 4,
      duplicates: 2,
      filesWritten: 1,
      bytesWritten: 10,
    });
    expect(values.rowsIn).toBe(
      (values.rowsClean ?? 0) + (values.rowsRejected ?? 0) + (values.duplicates ?? 0),
    );
  });

  it('counts the Parquet files and bytes convert wrote', () => {
    // Prepare
    const manifest = {
      batch_id: BATCH,
      files: [
        { key: 'p1', bytes: 2_000, sha256: SHA, table: 'order_lines', rows: 368 },
        { key: 'p2', bytes: 500, sha256: SHA, table: 'order_rejects', rows: 4 },
      ],
      rows: { order_lines: 368, order_rejects: 4, customers: 60, products: 40 },
    } as unknown as CuratedManifest;
    // Act
    const measured = measureConvert(manifest);
    // Assess
    expect(measured.values).toEqual({
      rowsIn: 472,
      rowsClean: 368,
      rowsRejected: 4,
      filesWritten: 2,
      bytesWritten: 2_500,
    });
  });

  it('records the load latency and whether the batch was skipped', () => {
    // Act
    const loaded = measureLoad({ status: 'loaded', rows: { order_lines: 368, customers: 60 } }, 412);
    const skipped = measureLoad({ status: 'skipped', rows: {} }, 15);
    // Assess
    expect(loaded.values).toEqual({ rowsIn: 428, rowsClean: 368, loadLatency: 412, batchesSkipped: 0 });
    expect(skipped.values).toEqual({ rowsIn: 0, rowsClean: 0, loadLatency: 15, batchesSkipped: 1 });
  });
});

describe('observeBatch', () => {
  it('binds the batch to the work’s log lines and records what the batch did', async () => {
    // Prepare
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', { stage: 'load' }, (line) => lines.push(JSON.parse(line)));
    const metrics = createMemoryMetrics();
    const context = contextOfLoad({ batchId: BATCH, manifestKey: `curated/_manifests/${BATCH}.json` });

    // Act
    const result = await observeBatch(
      { log, metrics },
      'load',
      context,
      async (batchLog) => {
        batchLog.info('batch loaded');
        return { status: 'loaded' as const, rows: { order_lines: 3 } };
      },
      measureLoad,
    );

    // Assess
    expect(result.status).toBe('loaded');
    expect(lines).toEqual([
      expect.objectContaining({ stage: 'load', batchId: BATCH, source: 'dummyjson', key: context.key }),
    ]);
    const [m] = metrics.measurements;
    expect(m).toMatchObject({ stage: 'load', batchId: BATCH, source: 'dummyjson', key: context.key });
    expect(m?.values).toMatchObject({ rowsClean: 3, batchesSkipped: 0 });
    expect(m?.values.batchDuration).toBe((m?.endedAt ?? 0) - (m?.startedAt ?? 0));
    expect(m?.values.loadLatency).toBe(m?.values.batchDuration);
  });

  it('records a failed batch and lets its error through unchanged', async () => {
    // Prepare
    const metrics = createMemoryMetrics();
    const error = new ManifestMismatchError('bad manifest', 'k');

    // Act
    const outcome = observeBatch(
      { log: createLogger('silent'), metrics },
      'convert',
      { batchId: BATCH, key: 'k' },
      async () => {
        throw error;
      },
      measureConvert,
    );

    // Assess
    await expect(outcome).rejects.toBe(error);
    expect(metrics.measurements).toEqual([
      expect.objectContaining({
        stage: 'convert',
        batchId: BATCH,
        failed: true,
        values: expect.objectContaining({ batchesFailed: 1 }),
      }),
    ]);
  });
});
