import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createConvertHandler } from '../services/convert/handler';
import { createEnrichHandler } from '../services/enrich/handler';
import { createIngestHandler } from '../services/ingest/handler';
import { createLoadHandler } from '../services/load/handler';
import { InMemorySecretStore } from '../shared/adapters/secret-store';
import { compose, type Runtime } from '../shared/compose';
import { loadConfig } from '../shared/config';
import { batchIdForRun, runIdFromTime } from '../shared/domain/layout';
import { POSTGRES_SOURCE_NAME } from '../shared/domain/sources';
import type { Logger } from '../shared/logger';
import type { Metrics } from '../shared/observability';
import { type FakeApi, startFakeApi } from './fake-api';
import type { FaultInjector } from './faults';
import { invokeInChildProcess } from './function-process';
import { generateShop, type Shop } from './generator';
import { type DroppedFile, uploadToLanding } from './landing-upload';
import { type InvokeFunction, startEventSourceMappings } from './poller';
import { type EmbeddedPostgres, prepareShopDatabase, startEmbeddedPostgres } from './postgres-server';
import { createQueues, type LocalQueues } from './queues';
import { bridgeS3Events } from './s3-bridge';
import { s3ClientConfig, startS3Server } from './s3-server';
import { sqsClientConfig, startSqsServer } from './sqs-server';
import { readTopology } from './topology';
import type { Topology } from './topology-types';

/** Bucket names of the embedded stack, by their logical id in serverless.yml. */
export const LOCAL_BUCKETS = {
  RawBucket: 'shop-pipeline-raw-local',
  CuratedBucket: 'shop-pipeline-curated-local',
} as const;

/** The id the stack gives the PostgreSQL source's secret (held in memory). */
export const LOCAL_POSTGRES_SECRET_ID = 'local/postgres';

export interface StackOptions {
  /** Holds the bucket contents and the DuckDB file. */
  dataDir: string;
  log: Logger;
  /** Data the embedded API serves (default: the seeded generator's shop). */
  shop?: Shop;
  /** Use this DummyJSON-compatible server instead of the embedded API. */
  dummyJsonBaseUrl?: string;
  /** Use this FakeStore-compatible server instead of the embedded API's `/fakestore`. */
  fakeStoreBaseUrl?: string;
  /** Extra configuration (e.g. COST_RATIO_DEFAULT), as environment variables. */
  env?: Record<string, string | undefined>;
  /** Fixed ports (for `npm run dev`); free ports otherwise. */
  ports?: { s3?: number; sqs?: number; api?: number };
  /** Cap of the SQS batching windows, in seconds (default 0: a local run does not wait out the window). */
  maxBatchingWindowSeconds?: number;
  /** serverless.yml to read the wiring from. */
  serverlessYml?: string;
  /** Where the handlers record what each batch did (the run's progress and report read it). */
  metrics?: Metrics;
  /** Called after every page the ingest function fetched (live progress). */
  onPageFetched?: (url: string) => void;
  /** Faults to inject (crashes at write points, duplicated or reordered deliveries, API faults): tests only. */
  faults?: FaultInjector;
  /**
   * Every queue's visibility timeout in seconds, instead of serverless.yml's; a failed invocation's
   * messages then wait it out before they come again, as on AWS, instead of coming back at once.
   */
  visibilityTimeoutSeconds?: number;
  /**
   * The PostgreSQL source: an embedded PGlite served on a loopback port (`port`, default a free one),
   * with the reference schema and the shop seeded; or, with `secret` (the connection JSON, e.g. from
   * PG* variables), a real PostgreSQL, given the schema where missing and the shop when it has no
   * orders. Absent: no PostgreSQL (it takes PGlite a few seconds to start).
   */
  postgres?: { secret?: string; port?: number };
}

export interface Stack {
  runtime: Runtime;
  topology: Topology;
  queues: LocalQueues;
  endpoints: { s3: string; sqs: string; api: string };
  /** The embedded PostgreSQL, when the stack started one. */
  postgres?: EmbeddedPostgres;
  /** Start one API run, as the EventBridge schedule does; returns the batch id it will produce. */
  ingest(source: string, time: Date): Promise<{ batchId: string }>;
  /** Put local files into the raw bucket's `landing/`, as a person would; each one's S3 event ingests it. */
  dropFiles(paths: readonly string[]): Promise<DroppedFile[]>;
  /** Wait until every queue is empty and nothing is in flight. */
  settle(timeoutMs?: number): Promise<void>;
  /** Messages waiting in dead-letter queues, by queue. */
  deadLetters(): Promise<{ queue: string; bodies: string[] }[]>;
  /** Errors the event source mappings or the bridge reported. */
  errors: Error[];
  close(): Promise<void>;
}

/**
 * Start the embedded stack: fake shop API, s3rver, a local SQS with the queues, notifications
 * and event source mappings that serverless.yml declares, and the four handlers in process
 * with DuckDB as the warehouse.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    await mkdir(options.dataDir, { recursive: true });
    const declared = readTopology(options.serverlessYml);
    const visibility = options.visibilityTimeoutSeconds;
    const topology: Topology =
      visibility === undefined
        ? declared
        : {
            ...declared,
            queues: declared.queues.map((q) => ({ ...q, visibilityTimeoutSeconds: visibility })),
          };
    let api: FakeApi | undefined;
    if (!options.dummyJsonBaseUrl || !options.fakeStoreBaseUrl) {
      api = await startFakeApi({
        shop: options.shop ?? generateShop(),
        port: options.ports?.api,
        faults: options.faults?.plan.api,
      });
      closers.push(() => api?.close());
    }
    let postgres: EmbeddedPostgres | undefined;
    let postgresSecret: string | undefined;
    if (options.postgres?.secret) {
      postgresSecret = options.postgres.secret;
      await prepareShopDatabase(postgresSecret, options.shop ?? generateShop());
    } else if (options.postgres) {
      const embedded = await startEmbeddedPostgres({
        shop: options.shop ?? generateShop(),
        port: options.postgres.port,
      });
      postgres = embedded;
      closers.push(() => embedded.close());
      postgresSecret = embedded.secret;
    }
    const s3Server = await startS3Server({
      directory: join(options.dataDir, 's3'),
      buckets: Object.values(LOCAL_BUCKETS),
      port: options.ports?.s3,
    });
    closers.push(() => s3Server.close());
    const sqsServer = await startSqsServer({ port: options.ports?.sqs });
    closers.push(() => sqsServer.close());

    const s3 = new S3Client(s3ClientConfig(s3Server.endpoint));
    const sqs = new SQSClient(sqsClientConfig(sqsServer.endpoint));
    closers.push(() => {
      s3.destroy();
      sqs.destroy();
    });
    const queues = await createQueues(sqs, topology);
    const loadQueue = [...queues.values()].find(
      (q) => q.spec.fifo && !isDeadLetter(topology, q.spec.logicalId),
    );
    // Also the environment of functions run in a child process (faults that kill the process).
    const env: Record<string, string | undefined> = {
      RAW_BUCKET: LOCAL_BUCKETS.RawBucket,
      CURATED_BUCKET: LOCAL_BUCKETS.CuratedBucket,
      LOAD_QUEUE_URL: loadQueue?.url,
      DUMMYJSON_BASE_URL: options.dummyJsonBaseUrl ?? api?.baseUrl,
      FAKESTORE_BASE_URL: options.fakeStoreBaseUrl ?? `${api?.baseUrl}/fakestore`,
      DUCKDB_PATH: join(options.dataDir, 'warehouse.duckdb'),
      S3_ENDPOINT: s3Server.endpoint,
      SQS_ENDPOINT: sqsServer.endpoint,
      WAREHOUSE: 'duckdb',
      POSTGRES_SECRET_ID: postgresSecret ? LOCAL_POSTGRES_SECRET_ID : undefined,
      ...options.env,
    };
    const config = loadConfig(env);
    const composed = compose(config, {
      s3,
      sqs,
      log: options.log,
      metrics: options.metrics,
      ...(postgresSecret
        ? {
            secrets: new InMemorySecretStore({ [LOCAL_POSTGRES_SECRET_ID]: postgresSecret }),
            postgres: () => import('../shared/adapters/postgres-shop-database'),
          }
        : {}),
    });
    const onPage = options.onPageFetched;
    const runtime: Runtime = onPage
      ? {
          ...composed,
          async getJson(url) {
            const body = await composed.getJson(url);
            onPage(url);
            return body;
          },
        }
      : composed;
    closers.push(() => runtime.close());

    const context = { functionName: 'local', awsRequestId: 'local' } as Context;
    const faults = options.faults;
    const functionRuntime = faults ? faults.runtime(runtime) : runtime;
    const ingestHandler = createIngestHandler(() => functionRuntime);
    const handlers: Record<string, (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>> = {
      // The landing queue's messages (S3 events of dropped files); the schedule calls it directly.
      ingest: (event, ctx) => ingestHandler(event, ctx) as Promise<SQSBatchResponse>,
      enrich: createEnrichHandler(() => functionRuntime),
      convert: createConvertHandler(() => functionRuntime),
      load: createLoadHandler(() => functionRuntime),
    };

    const errors: Error[] = [];
    const bridge = bridgeS3Events({
      s3rver: s3Server.s3rver,
      topology,
      queues,
      sqs: faults ? faults.bridgeSqs(sqs) : sqs,
      bucketNames: { ...LOCAL_BUCKETS },
      onError: (error) => errors.push(error),
    });
    closers.push(() => bridge.stop());
    const invoke: InvokeFunction = (name, event) => {
      if (faults?.needsProcess(name)) return invokeInChildProcess({ functionName: name, event, env, faults });
      const handler = handlers[name];
      if (!handler) throw new Error(`no local handler for function "${name}"`);
      return handler(event, context);
    };
    const mappings = startEventSourceMappings({
      sqs,
      topology,
      queues,
      invoke: faults ? faults.invoke(invoke) : invoke,
      onError: (error) => {
        errors.push(error);
        options.log.warn('event source mapping error', { error });
      },
      maxBatchingWindowSeconds: options.maxBatchingWindowSeconds ?? 0,
      ...(visibility === undefined ? {} : { retryVisibilitySeconds: 'expire' as const }),
    });
    closers.push(() => mappings.stop());

    const queueDepth = async (url: string) => {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
      const a = out.Attributes ?? {};
      return (
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
      );
    };
    const mappedQueues = topology.eventSources.map((m) => queues.get(m.queueLogicalId)!.url);

    return {
      runtime,
      topology,
      queues,
      endpoints: { s3: s3Server.endpoint, sqs: sqsServer.endpoint, api: config.sources.dummyjson.baseUrl },
      ...(postgres ? { postgres } : {}),
      errors,
      async ingest(source, time) {
        // PGlite takes one client at a time: let the last run's connection go first.
        if (source === POSTGRES_SOURCE_NAME) await postgres?.idle();
        const event = { source, time: time.toISOString() };
        if (faults?.needsProcess('ingest'))
          await invokeInChildProcess({ functionName: 'ingest', event, env, faults });
        else await ingestHandler(event, context);
        return { batchId: batchIdForRun(source, runIdFromTime(time)) };
      },
      dropFiles: (paths) => uploadToLanding(runtime.store, LOCAL_BUCKETS.RawBucket, paths),
      async settle(timeoutMs = 120_000) {
        for (;;) {
          await mappings.idle({ timeoutMs });
          await bridge.idle();
          const depths = await Promise.all(mappedQueues.map(queueDepth));
          if (depths.every((d) => d === 0)) return;
        }
      },
      async deadLetters() {
        const result: { queue: string; bodies: string[] }[] = [];
        for (const queue of queues.values()) {
          if (!isDeadLetter(topology, queue.spec.logicalId) || (await queueDepth(queue.url)) === 0) continue;
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queue.url,
              MaxNumberOfMessages: 10,
              VisibilityTimeout: 0,
              WaitTimeSeconds: 0,
            }),
          );
          result.push({ queue: queue.spec.logicalId, bodies: (out.Messages ?? []).map((m) => m.Body ?? '') });
        }
        return result;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function isDeadLetter(topology: Topology, logicalId: string): boolean {
  return topology.queues.some((q) => q.deadLetter?.queueLogicalId === logicalId);
}
