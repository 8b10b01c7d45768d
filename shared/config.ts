import { z } from 'zod';
import { buildCostModel, type CostModel } from './domain/cost-model';
import { isQualifiedIdentifier } from './domain/identifiers';
import { ConfigError } from './errors';

/**
 * The one typed configuration, parsed once from the environment. Nothing else reads `process.env`.
 * Errors name the variable that is missing or invalid.
 */
const SQL_NAME = 'must be an SQL identifier, optionally qualified (letters, digits, _ and $)';

const envSchema = z.object({
  RAW_BUCKET: z.string().min(1),
  CURATED_BUCKET: z.string().min(1),
  LOAD_QUEUE_URL: z.string().url().optional(),
  LOAD_MESSAGE_GROUP: z.string().min(1).default('warehouse'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.string().url().optional(),
  SQS_ENDPOINT: z.string().url().optional(),
  DUMMYJSON_BASE_URL: z.string().url().default('https://dummyjson.com'),
  FAKESTORE_BASE_URL: z.string().url().default('https://fakestoreapi.com'),
  PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  COST_RATIO_DEFAULT: z.string().default('0.60'),
  COST_RATIOS: z.string().optional(),
  WAREHOUSE: z.enum(['duckdb', 'snowflake']).default('duckdb'),
  DUCKDB_PATH: z.string().min(1).default(':memory:'),
  SNOWFLAKE_SECRET_ID: z.string().optional(),
  SNOWFLAKE_LOAD_MODE: z.enum(['loader', 'tasks']).default('loader'),
  SNOWFLAKE_STAGE: z.string().refine(isQualifiedIdentifier, SQL_NAME).default('STAGING.CURATED_STAGE'),
  SNOWFLAKE_FILE_FORMAT: z.string().refine(isQualifiedIdentifier, SQL_NAME).default('STAGING.PARQUET_FORMAT'),
  SNOWFLAKE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(20_000),
  SNOWFLAKE_STATEMENT_TIMEOUT_S: z.coerce.number().int().min(10).max(3600).default(240),
  POSTGRES_SECRET_ID: z.string().optional(),
  POSTGRES_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  POSTGRES_BATCH_ROWS: z.coerce.number().int().min(1).max(100_000).default(1000),
  POSTGRES_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  POSTGRES_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(240_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PARQUET_ROW_GROUP_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(32_768),
  PARQUET_TARGET_FILE_MB: z.coerce.number().positive().max(4096).default(128),
  ENRICH_DUPLICATE_INDEX_MB: z.coerce.number().positive().max(4096).default(16),
  AWS_ACCESS_KEY_ID: z.string().optional(),
});

export interface Config {
  rawBucket: string;
  curatedBucket: string;
  loadQueueUrl: string | undefined;
  loadMessageGroup: string;
  region: string;
  s3Endpoint: string | undefined;
  sqsEndpoint: string | undefined;
  /**
   * Placeholder credentials for S3/SQS endpoint overrides when the environment has none, so
   * `sls invoke local` works without an AWS account: s3rver's fixed key pair, which local SQS
   * servers accept too.
   */
  emulatorCredentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Base URL of each API source, by source name. */
  sources: { dummyjson: { baseUrl: string }; fakestore: { baseUrl: string } };
  pageSize: number;
  http: { timeoutMs: number; maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  costModel: CostModel;
  warehouse: { kind: 'duckdb'; path: string } | SnowflakeConfig;
  /** The PostgreSQL source (`source: "postgres"` runs); its connection is the secret `secretId`. */
  postgres: PostgresConfig;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Convert's Parquet output: rows a row group holds (what convert buffers per partition before it
   * encodes) and the size a file rolls over at (Snowflake loads files of 100-250 MB best).
   */
  parquet: { rowGroupRows: number; targetFileBytes: number };
  /**
   * Memory enrich's in-batch duplicate index may hold (~30 bytes a key) before it spills to local
   * disk (/tmp in Lambda) and decides the rest of the batch there, exactly.
   */
  duplicateIndexBytes: number;
}

/**
 * The Snowflake loader: credentials are the JSON secret `secretId` (Secrets Manager, or `file:<path>`);
 * `loadMode` says who MERGEs (the loader, or the streams' tasks); stage and file format are validated
 * identifiers; connect and statement timeouts bound a slow sign-in and a runaway statement.
 */
export interface SnowflakeConfig {
  kind: 'snowflake';
  secretId: string;
  loadMode: 'loader' | 'tasks';
  stage: string;
  fileFormat: string;
  connectTimeoutMs: number;
  statementTimeoutSeconds: number;
}

/**
 * The PostgreSQL source: connection settings are the JSON secret `secretId` (Secrets Manager, or
 * `file:<path>`); unset, a postgres run fails with a ConfigError naming POSTGRES_SECRET_ID. Each run
 * reads rows changed since the stored watermark less `overlapSeconds`, `batchRows` rows a cursor read
 * and a raw part; the connect and statement timeouts keep a stuck database from eating the function's.
 */
export interface PostgresConfig {
  secretId: string | undefined;
  overlapSeconds: number;
  batchRows: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Parse and validate the configuration; throws ConfigError naming every bad variable. Empty values count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.WAREHOUSE === 'snowflake' && !e.SNOWFLAKE_SECRET_ID) {
    throw new ConfigError('invalid configuration: SNOWFLAKE_SECRET_ID: required when WAREHOUSE=snowflake');
  }
  let byCategory: Record<string, string | number> = {};
  if (e.COST_RATIOS) {
    try {
      byCategory = z.record(z.string(), z.union([z.string(), z.number()])).parse(JSON.parse(e.COST_RATIOS));
    } catch (error) {
      throw new ConfigError('invalid configuration: COST_RATIOS must be a JSON object {"category": "0.55"}', {
        cause: error,
      });
    }
  }
  const cost = buildCostModel(e.COST_RATIO_DEFAULT, byCategory);
  if (!cost.model) {
    throw new ConfigError(
      `invalid configuration: COST_RATIO_DEFAULT/COST_RATIOS: ${cost.problems.join('; ')}`,
    );
  }
  return {
    rawBucket: e.RAW_BUCKET,
    curatedBucket: e.CURATED_BUCKET,
    loadQueueUrl: e.LOAD_QUEUE_URL,
    loadMessageGroup: e.LOAD_MESSAGE_GROUP,
    region: e.AWS_REGION,
    s3Endpoint: e.S3_ENDPOINT,
    sqsEndpoint: e.SQS_ENDPOINT,
    emulatorCredentials:
      (e.S3_ENDPOINT || e.SQS_ENDPOINT) && !e.AWS_ACCESS_KEY_ID
        ? { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
        : undefined,
    sources: {
      dummyjson: { baseUrl: e.DUMMYJSON_BASE_URL.replace(/\/+$/, '') },
      fakestore: { baseUrl: e.FAKESTORE_BASE_URL.replace(/\/+$/, '') },
    },
    pageSize: e.PAGE_SIZE,
    http: {
      timeoutMs: e.HTTP_TIMEOUT_MS,
      maxAttempts: e.HTTP_MAX_ATTEMPTS,
      backoffMs: 200,
      maxBackoffMs: 10_000,
    },
    costModel: cost.model,
    warehouse:
      e.WAREHOUSE === 'duckdb'
        ? { kind: 'duckdb', path: e.DUCKDB_PATH }
        : {
            kind: 'snowflake',
            secretId: e.SNOWFLAKE_SECRET_ID!,
            loadMode: e.SNOWFLAKE_LOAD_MODE,
            stage: e.SNOWFLAKE_STAGE,
            fileFormat: e.SNOWFLAKE_FILE_FORMAT,
            connectTimeoutMs: e.SNOWFLAKE_CONNECT_TIMEOUT_MS,
            statementTimeoutSeconds: e.SNOWFLAKE_STATEMENT_TIMEOUT_S,
          },
    postgres: {
      secretId: e.POSTGRES_SECRET_ID,
      overlapSeconds: e.POSTGRES_OVERLAP_SECONDS,
      batchRows: e.POSTGRES_BATCH_ROWS,
      connectTimeoutMs: e.POSTGRES_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.POSTGRES_STATEMENT_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    parquet: {
      rowGroupRows: e.PARQUET_ROW_GROUP_ROWS,
      targetFileBytes: Math.round(e.PARQUET_TARGET_FILE_MB * 1024 * 1024),
    },
    duplicateIndexBytes: Math.round(e.ENRICH_DUPLICATE_INDEX_MB * 1024 * 1024),
  };
}
