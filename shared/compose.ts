import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getJson } from './adapters/http-client';
import { type MessageQueue, SqsMessageQueue } from './adapters/message-queue';
import { type ObjectStore, S3ObjectStore } from './adapters/object-store';
import type { Warehouse } from './adapters/warehouse';
import { type Config, loadConfig } from './config';
import { ConfigError } from './errors';
import { createLogger, type Logger } from './logger';

/** Everything a stage needs, built once from config. Handlers, the local stack and tests all use it. */
export interface Runtime {
  config: Config;
  store: ObjectStore;
  queue: MessageQueue;
  log: Logger;
  getJson: (url: string) => Promise<unknown>;
  /** The warehouse, opened (and migrated, for DuckDB) on first use. */
  warehouse(): Promise<Warehouse>;
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** Inject clients (tests); otherwise built from config. */
  s3?: S3Client;
  sqs?: SQSClient;
  log?: Logger;
  /** Where sql/ lives (DuckDB migrations); default: the nearest `sql/` from the working directory up. */
  sqlDirectory?: string;
}

/** Build the adapters for a config. */
export function compose(config: Config, options: ComposeOptions = {}): Runtime {
  const s3 =
    options.s3 ??
    new S3Client({
      region: config.region,
      // S3-compatible servers (s3rver, MinIO) want path-style URLs and no aws-chunked CRC trailers.
      ...(config.s3Endpoint
        ? {
            endpoint: config.s3Endpoint,
            forcePathStyle: true,
            ...(config.emulatorCredentials ? { credentials: config.emulatorCredentials } : {}),
            requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            responseChecksumValidation: 'WHEN_REQUIRED' as const,
          }
        : {}),
    });
  const sqs =
    options.sqs ??
    new SQSClient({
      region: config.region,
      ...(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {}),
      ...(config.sqsEndpoint && config.emulatorCredentials
        ? { credentials: config.emulatorCredentials }
        : {}),
    });
  const store = new S3ObjectStore(s3);
  let warehouse: Promise<Warehouse> | undefined;
  return {
    config,
    store,
    queue: new SqsMessageQueue(sqs),
    log: options.log ?? createLogger(config.logLevel),
    getJson: (url) => getJson(url, config.http),
    warehouse() {
      warehouse ??= openWarehouse(config, store, options.sqlDirectory ?? findSqlDirectory(process.cwd()));
      return warehouse;
    },
    async close() {
      if (warehouse) await (await warehouse).close();
      if (!options.s3) s3.destroy();
      if (!options.sqs) sqs.destroy();
    },
  };
}

async function openWarehouse(config: Config, store: ObjectStore, sqlDirectory: string): Promise<Warehouse> {
  if (config.warehouse.kind === 'snowflake') {
    throw new ConfigError('WAREHOUSE=snowflake: the Snowflake loader is not built yet; use WAREHOUSE=duckdb');
  }
  // Loaded on demand: DuckDB is a native addon kept out of the Lambda bundles.
  const { DuckDbWarehouse } = await import('./adapters/duckdb-warehouse');
  const duck = await DuckDbWarehouse.open(config.warehouse.path, store, sqlDirectory);
  await duck.migrate();
  return duck;
}

/**
 * The project's sql/ folder: the nearest one from `start` upwards, so `sls invoke local` (which runs
 * the bundle from .esbuild/.build) finds the same migrations as `npm start`.
 */
export function findSqlDirectory(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'sql', 'V1.0.0__schemas.sql'))) return join(dir, 'sql');
    if (dirname(dir) === dir)
      throw new ConfigError(`no sql/ folder with migrations found from ${start} upwards`);
  }
}

let shared: Runtime | undefined;

/** The runtime of this Lambda container, built from the environment on first use and reused while warm. */
export function runtimeFromEnv(): Runtime {
  shared ??= compose(loadConfig());
  return shared;
}
