/**
 * Every sample event in events/ through the bundled function it belongs to, with `sls invoke local
 * --stage local` (the README's commands), against the embedded stack, and what each invocation left
 * behind: objects in the local buckets, rows in the loader's DuckDB file.
 *
 * The stack carries each output on through its own wiring (an ingest invoked here is enriched,
 * converted and loaded in-stack), so every phase first removes the object its invocation must
 * write, then checks that the invocation wrote it again. The loader writes to its own DuckDB file.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTotals, generateShop } from '../../local/generator';
import { s3ClientConfig } from '../../local/s3-server';
import { LOCAL_BUCKETS, type Stack, startStack } from '../../local/stack';
import { summarise } from '../../local/summary';
import { readTopology } from '../../local/topology';
import { compose } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { runIdForFile } from '../../shared/domain/file-drop';
import {
  batchIdForRun,
  curatedManifestKey,
  enrichedPrefix,
  manifestKeyIn,
  rawRunPrefix,
} from '../../shared/domain/layout';
import { formatCents } from '../../shared/domain/money';
import { FILE_SOURCE_NAME } from '../../shared/domain/sources';
import { ObjectMissingError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';

const root = resolve(import.meta.dirname, '../..');
const DATE = '2026-11-26';
const RUN_ID = '20261126T030000Z';
const BATCH_ID = batchIdForRun('dummyjson', RUN_ID);
const LANDING_FILE = 'events/landing/sales-2026-11-26.jsonl';
const LANDING_KEY = 'landing/sales-2026-11-26.jsonl';
/** The ETag of LANDING_FILE as one PUT (its MD5), as events/landing-sqs.json says. */
const LANDING_ETAG = 'a0c8be33020f77c705577ca26439f266';

/** Which function each sample event is for (the README's `sls invoke local` examples). */
const FUNCTION_OF: Record<string, 'ingest' | 'enrich' | 'convert' | 'load'> = {
  'ingest-schedule.json': 'ingest',
  'ingest-schedule-fakestore.json': 'ingest',
  'scheduled-event.json': 'ingest',
  'landing-sqs.json': 'ingest',
  'enrich-sqs.json': 'enrich',
  's3-test-event-sqs.json': 'enrich',
  'convert-sqs.json': 'convert',
  'load-sqs.json': 'load',
};

describe('sls invoke local of every sample event in events/ against the embedded stack', () => {
  const shop = generateShop({ seed: 3, carts: 30 });
  const workFolders = new Set<string>();
  let dir: string;
  let stack: Stack;
  let s3: S3Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'invoke-local-all-'));
    stack = await startStack({ dataDir: dir, log: createLogger('silent'), shop });
    s3 = new S3Client(s3ClientConfig(stack.endpoints.s3));
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
    for (const folder of workFolders) await rm(join(root, folder), { recursive: true, force: true });
  });

  /** `npx sls invoke local --stage local -f <fn> --path events/<file>`, pointed at the stack; its JSON answer. */
  async function invoke(file: string): Promise<unknown> {
    const fn = FUNCTION_OF[file];
    if (!fn) throw new Error(`events/${file}: no function for it in FUNCTION_OF`);
    // One esbuild work folder per invocation, so invocations running at once do not share one.
    const workFolder = `.esbuild-invoke-all-${file.replace(/\.json$/, '')}`;
    workFolders.add(workFolder);
    // The binary `npx sls` runs, without npx's own start-up.
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules', '.bin', 'sls'),
      ['invoke', 'local', '--stage', 'local', '-f', fn, '--path', `events/${file}`],
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          S3_ENDPOINT: stack.endpoints.s3,
          SQS_ENDPOINT: stack.endpoints.sqs,
          DUMMYJSON_BASE_URL: stack.endpoints.api,
          FAKESTORE_BASE_URL: `${stack.endpoints.api}/fakestore`,
          LOAD_QUEUE_URL: stack.queues.get('LoadQueue')?.url ?? '',
          DUCKDB_PATH: join(dir, 'invoke.duckdb'),
          LOG_LEVEL: 'warn',
          SLS_ESBUILD_WORK_FOLDER: workFolder,
          SLS_TELEMETRY_DISABLED: '1',
        },
      },
    );
    // Before its answer (pretty-printed, last) the function's logs and EMF metrics go to stdout, as on Lambda.
    const answer = stdout.slice(stdout.lastIndexOf('\n{\n') + 1);
    try {
      return JSON.parse(answer);
    } catch {
      throw new Error(`sls invoke local -f ${fn} --path events/${file} printed no JSON answer:\n${stdout}`);
    }
  }

  const exists = async (bucket: string, key: string): Promise<boolean> => {
    try {
      await stack.runtime.store.head(bucket, key);
      return true;
    } catch (error) {
      if (error instanceof ObjectMissingError) return false;
      throw error;
    }
  };
  const remove = (bucket: string, key: string) =>
    s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

  it('has a function for every sample event: the one its queue feeds, or ingest for a schedule', () => {
    // Prepare
    const files = readdirSync(join(root, 'events')).filter((name) => name.endsWith('.json'));
    const topology = readTopology();
    const consumerOf = (file: string) => {
      const event: unknown = JSON.parse(readFileSync(join(root, 'events', file), 'utf8'));
      const arn = (event as { Records?: { eventSourceARN?: string }[] }).Records?.[0]?.eventSourceARN;
      if (arn === undefined) return 'ingest';
      const queue = topology.queues.find((q) => q.name === arn.split(':').pop());
      return topology.eventSources.find((m) => m.queueLogicalId === queue?.logicalId)?.functionName;
    };

    // Assess
    expect(files.sort()).toEqual(Object.keys(FUNCTION_OF).sort());
    for (const file of files) expect(FUNCTION_OF[file], file).toBe(consumerOf(file));
  });

  it('ingests both API sources from their schedule events', async () => {
    // Act
    const [dummyjson, fakestore] = await Promise.all([
      invoke('ingest-schedule.json'),
      invoke('ingest-schedule-fakestore.json'),
    ]);
    await stack.settle();

    // Assess
    expect(dummyjson).toMatchObject({ source: 'dummyjson', runId: RUN_ID });
    expect(fakestore).toMatchObject({ source: 'fakestore', runId: RUN_ID });
    for (const source of ['dummyjson', 'fakestore']) {
      const manifest = manifestKeyIn(rawRunPrefix(source, DATE, RUN_ID));
      expect(await exists(LOCAL_BUCKETS.RawBucket, manifest), manifest).toBe(true);
    }
  });

  it("ingests the same DummyJSON run from EventBridge's plain scheduled event", async () => {
    // Prepare: not at once with the run above, whose batch the stack would then enrich twice at once
    const manifest = manifestKeyIn(rawRunPrefix('dummyjson', DATE, RUN_ID));
    await remove(LOCAL_BUCKETS.RawBucket, manifest);

    // Act
    const response = await invoke('scheduled-event.json');
    await stack.settle();

    // Assess
    expect(response).toMatchObject({ source: 'dummyjson', runId: RUN_ID });
    expect(await exists(LOCAL_BUCKETS.RawBucket, manifest), manifest).toBe(true);
  });

  it('ingests the dropped file that events/landing-sqs.json announces', async () => {
    // Prepare: the file is in landing/ (its own S3 event ingests it in-stack), its raw manifest removed
    await stack.dropFiles([join(root, LANDING_FILE)]);
    await stack.settle();
    const runId = runIdForFile(LOCAL_BUCKETS.RawBucket, LANDING_KEY, LANDING_ETAG);
    const manifest = manifestKeyIn(rawRunPrefix(FILE_SOURCE_NAME, DATE, runId));
    await remove(LOCAL_BUCKETS.RawBucket, manifest);

    // Act
    const response = await invoke('landing-sqs.json');
    await stack.settle();

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await exists(LOCAL_BUCKETS.RawBucket, manifest), manifest).toBe(true);
  });

  it('enriches the raw run events/enrich-sqs.json announces, and ignores the S3 test event', async () => {
    // Prepare
    const manifest = manifestKeyIn(enrichedPrefix('dummyjson', DATE, BATCH_ID));
    await remove(LOCAL_BUCKETS.RawBucket, manifest);

    // Act
    const [enriched, testEvent] = await Promise.all([
      invoke('enrich-sqs.json'),
      invoke('s3-test-event-sqs.json'),
    ]);
    await stack.settle();

    // Assess
    expect(enriched).toEqual({ batchItemFailures: [] });
    expect(testEvent).toEqual({ batchItemFailures: [] });
    expect(await exists(LOCAL_BUCKETS.RawBucket, manifest), manifest).toBe(true);
  });

  it('converts the enriched batch events/convert-sqs.json announces into curated/', async () => {
    // Prepare
    const manifest = curatedManifestKey(BATCH_ID);
    await remove(LOCAL_BUCKETS.CuratedBucket, manifest);

    // Act
    const response = await invoke('convert-sqs.json');
    await stack.settle();

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await exists(LOCAL_BUCKETS.CuratedBucket, manifest), manifest).toBe(true);
    expect(await stack.deadLetters()).toEqual([]);
  });

  it('loads the curated batch events/load-sqs.json names into its DuckDB file', async () => {
    // Act
    const response = await invoke('load-sqs.json');

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const runtime = compose(
      loadConfig({
        RAW_BUCKET: LOCAL_BUCKETS.RawBucket,
        CURATED_BUCKET: LOCAL_BUCKETS.CuratedBucket,
        WAREHOUSE: 'duckdb',
        DUCKDB_PATH: join(dir, 'invoke.duckdb'),
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const summary = await summarise(await runtime.warehouse(), [BATCH_ID]);
      const expected = expectedTotals(shop);
      expect(summary.orderLines).toBe(expected.validLines);
      expect(summary.revenue.toFixed(2)).toBe(formatCents(expected.revenueCents));
      expect(await stack.deadLetters()).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
