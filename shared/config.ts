import { z } from 'zod';
import { buildCostModel, type CostModel } from './domain/cost-model';
import { ConfigError } from './errors';

/**
 * The one typed configuration, parsed once from the environment. Nothing else reads `process.env`.
 * Errors name the variable that is missing or invalid.
 */
const envSchema = z.object({
  RAW_BUCKET: z.string().min(1),
  CURATED_BUCKET: z.string().min(1),
  LOAD_QUEUE_URL: z.string().url().optional(),
  LOAD_MESSAGE_GROUP: z.string().min(1).default('warehouse'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.string().url().optional(),
  SQS_ENDPOINT: z.string().url().optional(),
  DUMMYJSON_BASE_URL: z.string().url().default('https://dummyjson.com'),
  PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  COST_RATIO_DEFAULT: z.string().default('0.60'),
  COST_RATIOS: z.string().optional(),
  WAREHOUSE: z.enum(['duckdb', 'snowflake']).default('duckdb'),
  DUCKDB_PATH: z.string().min(1).default(':memory:'),
  SNOWFLAKE_SECRET_ID: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
  sources: { dummyjson: { baseUrl: string } };
  pageSize: number;
  http: { timeoutMs: number; maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  costModel: CostModel;
  warehouse: { kind: 'duckdb'; path: string } | { kind: 'snowflake'; secretId: string | undefined };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
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
    sources: { dummyjson: { baseUrl: e.DUMMYJSON_BASE_URL.replace(/\/+$/, '') } },
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
        : { kind: 'snowflake', secretId: e.SNOWFLAKE_SECRET_ID },
    logLevel: e.LOG_LEVEL,
  };
}
