import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { type FakeApi, startFakeApi } from '../../local/fake-api';
import type { Shop } from '../../local/generator';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import type { MessageQueue } from '../../shared/adapters/message-queue';
import { compose, type Runtime } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';

/** Where convert's load messages go in these tests. */
export const LOAD_QUEUE_URL = 'http://127.0.0.1:1/000000000000/LoadQueue.fifo';

/** Records what convert sends, standing in for the FIFO queue (the e2e tests use a real local SQS). */
export class RecordingQueue implements MessageQueue {
  readonly sent: { queueUrl: string; body: unknown; fifo?: { groupId: string; deduplicationId: string } }[] =
    [];
  async send(queueUrl: string, body: unknown, fifo?: { groupId: string; deduplicationId: string }) {
    this.sent.push({ queueUrl, body, fifo });
  }
}

/** A real s3rver (buckets raw, curated), the fake DummyJSON API serving `shop`, and a Runtime on both. */
export interface ApiStack {
  dir: string;
  s3: S3Server;
  api: FakeApi;
  /** The composed runtime, with `queue` as its message queue and DuckDB in `dir`. */
  rt: Runtime;
  queue: RecordingQueue;
  close(): Promise<void>;
}

/**
 * Start the stages' integration setup in a fresh temp folder named after the test.
 * @example const stack = await startApiStack('stages', generateShop({ seed: 7 }));
 */
export async function startApiStack(name: string, shop: Shop): Promise<ApiStack> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['raw', 'curated'] });
  const api = await startFakeApi({ shop });
  const config = loadConfig({
    RAW_BUCKET: 'raw',
    CURATED_BUCKET: 'curated',
    LOAD_QUEUE_URL,
    DUMMYJSON_BASE_URL: api.baseUrl,
    PAGE_SIZE: '10',
    DUCKDB_PATH: join(dir, 'warehouse.duckdb'),
  });
  const queue = new RecordingQueue();
  const rt: Runtime = {
    ...compose(config, { s3: new S3Client(s3ClientConfig(s3.endpoint)), log: createLogger('silent') }),
    queue,
  };
  return {
    dir,
    s3,
    api,
    rt,
    queue,
    close: async () => {
      await rt.close();
      await api.close();
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
