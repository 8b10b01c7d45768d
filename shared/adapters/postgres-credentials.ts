import { ConfigError } from '../errors';
import { secretObject, secretText } from './secret-json';

/**
 * The PostgreSQL source's connection secret: a JSON object in Secrets Manager (or a local file, or
 * memory in the embedded stack), read through the same SecretStore as the Snowflake secret.
 *
 * ```json
 * {"host": "shop-db.cluster-abc.eu-west-1.rds.amazonaws.com", "port": 5432, "database": "shop",
 *  "user": "pipeline_reader", "password": "...", "ssl": "verify-full"}
 * ```
 *
 * `ssl`: `true` or `"verify-full"` (TLS, the server's certificate checked: the default), `"require"`
 * (TLS without checking the certificate), `false` or `"disable"` (no TLS: a local database only).
 * Errors name the fields that are wrong, never their values.
 */
export interface PostgresCredentials {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Absent: the server trusts the user (local databases). */
  password?: string;
  ssl: PostgresSsl;
}

export type PostgresSsl = 'verify-full' | 'require' | 'disable';

const HOST = /^[^\s/'"\\]{1,255}$/;
const NAME = /^[^\s'"\\;]{1,63}$/;

/** Parse and check a PostgreSQL secret; `secretId` only names it in errors. */
export function parsePostgresCredentials(text: string, secretId: string): PostgresCredentials {
  const s = secretObject(text, 'PostgreSQL secret', secretId);
  const bad: string[] = [];
  const host = secretText(s, 'host');
  if (!host || !HOST.test(host)) bad.push('host');
  const database = secretText(s, 'database') ?? secretText(s, 'dbname');
  if (!database || !NAME.test(database)) bad.push('database');
  const user = secretText(s, 'user') ?? secretText(s, 'username');
  if (!user || !NAME.test(user)) bad.push('user');
  const port = portOf(s.port);
  if (port === undefined) bad.push('port');
  const ssl = sslOf(s.ssl);
  if (ssl === undefined) bad.push('ssl (true, false, "verify-full", "require" or "disable")');
  if (s.password !== undefined && typeof s.password !== 'string') bad.push('password');
  if (bad.length > 0) {
    throw new ConfigError(`PostgreSQL secret ${secretId}: missing or invalid ${bad.join(', ')}`);
  }
  const password = secretText(s, 'password');
  return {
    host: host!,
    port: port!,
    database: database!,
    user: user!,
    ...(password ? { password } : {}),
    ssl: ssl!,
  };
}

/** A port (a number or its text) in 1..65535; absent: 5432. */
function portOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return 5432;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65_535 ? n : undefined;
}

function sslOf(value: unknown): PostgresSsl | undefined {
  if (value === undefined || value === null || value === true) return 'verify-full';
  if (value === false) return 'disable';
  if (value === 'verify-full' || value === 'require' || value === 'disable') return value;
  return undefined;
}

/**
 * The secret the standard libpq variables describe (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`,
 * `PGPASSWORD`, `PGSSLMODE`), as JSON: how a local run points the source at a real PostgreSQL. Only
 * the CLI reads the environment; it hands the variables over. Undefined when `PGHOST` is not set.
 * @example postgresSecretFromLibpq({ PGHOST: 'localhost', PGUSER: 'me', PGDATABASE: 'shop' })
 */
export function postgresSecretFromLibpq(env: Record<string, string | undefined>): string | undefined {
  if (!env.PGHOST) return undefined;
  const mode = env.PGSSLMODE;
  const ssl =
    mode === 'verify-full' || mode === 'verify-ca'
      ? 'verify-full'
      : mode === 'require'
        ? 'require'
        : 'disable';
  return JSON.stringify({
    host: env.PGHOST,
    port: env.PGPORT ?? 5432,
    database: env.PGDATABASE ?? env.PGUSER ?? 'postgres',
    user: env.PGUSER ?? 'postgres',
    ...(env.PGPASSWORD ? { password: env.PGPASSWORD } : {}),
    ssl,
  });
}
