import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { getJson } from './adapters/http-client';
import { type MessageQueue, SqsMessageQueue } from './adapters/message-queue';
import { type ObjectStore, S3ObjectStore } from './adapters/object-store';
import { type SecretStore, secretStoreFor } from './adapters/secret-store';
import type { ShopDatabase } from './adapters/shop-database';
import type { SnowflakeCredentials } from './adapters/snowflake-credentials';
import type { SnowflakeWarehouse } from './adapters/snowflake-warehouse';
import type { Warehouse } from './adapters/warehouse';
import { type Config, loadConfig } from './config';
import { ConfigError } from './errors';
import { createLogger, type Logger } from './logger';
import {
  createEmfMetrics,
  createPowertoolsLogger,
  type Metrics,
  noMetrics,
  traceClient,
} from './observability';

/** Everything a stage needs, built once from config. Handlers, the local stack and tests all use it. */
export interface Runtime {
  config: Config;
  store: ObjectStore;
  queue: MessageQueue;
  log: Logger;
  /** Where handlers record what each batch did (EMF on AWS, memory locally, nothing by default). */
  metrics: Metrics;
  getJson: (url: string) => Promise<unknown>;
  /**
   * The warehouse, opened (and migrated, for DuckDB) on first use. `credentials`: the Snowflake
   * credentials the load function's secrets middleware put on the context, for its next sign-in.
   */
  warehouse(options?: { credentials?: SnowflakeCredentials | undefined }): Promise<Warehouse>;
  /** A new connection to the PostgreSQL source (one a run; the run closes it). */
  shopDatabase(): Promise<ShopDatabase>;
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** Inject clients (tests); otherwise built from config. */
  s3?: S3Client;
  sqs?: SQSClient;
  log?: Logger;
  metrics?: Metrics;
  /** Where sql/ lives (DuckDB migrations); default: the nearest `sql/` from the working directory up. */
  sqlDirectory?: string;
  /**
   * Where the warehouse's and the PostgreSQL source's credentials come from (tests, the embedded stack);
   * default: by the secret id (Secrets Manager or `file:`).
   */
  secrets?: SecretStore;
  /**
   * The Snowflake adapter, passed in by the functions that load (the load handler, the CLIs): a
   * dynamic import named here is bundled by esbuild, so leaving it out keeps snowflake-sdk (~3.4 MB)
   * out of the ingest, enrich and convert artifacts.
   */
  snowflake?: () => Promise<typeof import('./adapters/snowflake-warehouse')>;
  /**
   * The PostgreSQL source's adapter (the `pg` driver), passed in by the ingest function and the local
   * stack only, for the same reason: `pg` stays out of the enrich, convert and load artifacts.
   */
  postgres?: () => Promise<typeof import('./adapters/postgres-shop-database')>;
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
  // The clients built here are traced by X-Ray on AWS (a no-op elsewhere); injected ones are left alone.
  if (!options.s3) traceClient(s3);
  if (!options.sqs) traceClient(sqs);
  const store = new S3ObjectStore(s3);
  let warehouse: Promise<Warehouse> | undefined;
  /** Kept for the container's life, so the secret is fetched once (and cached by the store). */
  let postgresSecrets: SecretStore | undefined;
  const log = options.log ?? createLogger(config.logLevel);
  return {
    config,
    store,
    queue: new SqsMessageQueue(sqs),
    log,
    metrics: options.metrics ?? noMetrics,
    getJson: (url) => getJson(url, config.http),
    warehouse({ credentials } = {}) {
      // A failed open is not cached: the next invocation of a warm container tries again.
      warehouse ??= openWarehouse(config, store, options, log).catch((error: unknown) => {
        warehouse = undefined;
        throw error;
      });
      if (!credentials || config.warehouse.kind !== 'snowflake') return warehouse;
      return warehouse.then((opened) => {
        (opened as SnowflakeWarehouse).useCredentials(credentials);
        return opened;
      });
    },
    async shopDatabase() {
      const secretId = config.postgres.secretId;
      if (!secretId)
        throw new ConfigError('POSTGRES_SECRET_ID is not set: the PostgreSQL source has no connection');
      if (!options.postgres) {
        throw new ConfigError('source postgres: this function was built without the PostgreSQL adapter');
      }
      const { openPostgresShopDatabase } = await options.postgres();
      postgresSecrets ??= options.secrets ?? secretStoreFor(secretId, { region: config.region });
      return openPostgresShopDatabase(postgresSecrets, secretId, {
        connectTimeoutMs: config.postgres.connectTimeoutMs,
        statementTimeoutMs: config.postgres.statementTimeoutMs,
        log: log.child({ component: 'postgres' }),
      });
    },
    async close() {
      if (warehouse) await (await warehouse).close();
      if (!options.s3) s3.destroy();
      if (!options.sqs) sqs.destroy();
    },
  };
}

async function openWarehouse(
  config: Config,
  store: ObjectStore,
  options: ComposeOptions,
  log: Logger,
): Promise<Warehouse> {
  const sqlDirectory = () => options.sqlDirectory ?? findSqlDirectory(process.cwd());
  if (config.warehouse.kind === 'snowflake') {
    // Loaded on demand: snowflake-sdk (bundled, ~3.4 MB) is evaluated only by a loader that uses it. It
    // connects on the first batch; migrations run from `npm run migrate`, not with the loader's role.
    if (!options.snowflake) {
      throw new ConfigError('WAREHOUSE=snowflake: this function was built without the Snowflake adapter');
    }
    const { openSnowflakeWarehouse } = await options.snowflake();
    return openSnowflakeWarehouse(
      { ...config.warehouse, curatedBucket: config.curatedBucket },
      {
        log: log.child({ component: 'snowflake' }),
        region: config.region,
        sqlDirectory,
        secrets: options.secrets,
      },
    );
  }
  // Loaded on demand: DuckDB is a native addon kept out of the Lambda bundles.
  const { DuckDbWarehouse } = await import('./adapters/duckdb-warehouse');
  const duck = await DuckDbWarehouse.open(config.warehouse.path, store, sqlDirectory());
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

/**
 * The runtime of this Lambda container, built from the environment on first use and reused while
 * warm. `options` carries what only some functions bundle (the load function's Snowflake adapter).
 */
export function runtimeFromEnv(
  options: Pick<ComposeOptions, 'snowflake' | 'postgres' | 'secrets'> = {},
): Runtime {
  shared ??= lambdaRuntime(loadConfig(), options);
  return shared;
}

/** Powertools on AWS: JSON logs carrying the Lambda context, EMF metrics on stdout. */
function lambdaRuntime(
  config: Config,
  options: Pick<ComposeOptions, 'snowflake' | 'postgres' | 'secrets'>,
): Runtime {
  return compose(config, {
    ...options,
    log: createPowertoolsLogger({ level: config.logLevel }),
    metrics: createEmfMetrics(),
  });
}
