import pg from 'pg';
import Cursor from 'pg-cursor';
import type { Entity } from '../domain/sources';
import { dbTimestamp } from '../domain/watermark';
import { SourceDatabaseError } from '../errors';
import type { Logger } from '../logger';
import { type PostgresCredentials, parsePostgresCredentials } from './postgres-credentials';
import type { SecretStore } from './secret-store';
import type { ChangedRow, ChangeReader, ChangeWindow, ShopDatabase } from './shop-database';

/**
 * The shop database on PostgreSQL (the reference schema of `local/postgres/schema.sql`), read with the
 * `pg` driver: one client (no pool: a run is one connection, and the embedded PGlite serves one client
 * at a time), server-side cursors, and one repeatable-read, read-only transaction a run.
 *
 * What the queries guarantee: NUMERIC money and BIGINT ids are selected as text (exact, never a float);
 * timestamps as ISO-8601 UTC with microseconds (the watermark's format); an order comes with all of its
 * current items, and is read when it or any of its items changed in the window.
 */

/** A timestamp column as the watermark's text: `2026-11-26T03:00:00.123456Z`. */
const iso = (column: string) => `to_char((${column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `updated_at >= watermark - overlap`; `$1` is the watermark (`-infinity` for none), `$2` the overlap in seconds. */
const SINCE = `$1::timestamptz - make_interval(secs => $2)`;

/** The extraction query of each entity (bind $1: watermark, $2: overlap seconds). */
export const CHANGE_QUERIES: Record<Entity, string> = {
  customers: `SELECT c.id::text AS id, c.first_name, c.last_name, c.email, c.address_line, c.city, c.state,
       c.country, c.postal_code, ${iso('c.updated_at')} AS updated_at, ${iso('c.deleted_at')} AS deleted_at,
       ${iso('c.updated_at')} AS changed_at
FROM customers c
WHERE c.updated_at >= ${SINCE}
ORDER BY c.id`,
  products: `SELECT p.id::text AS id, p.title, p.category, p.brand, p.unit_price::text AS unit_price,
       p.unit_cost::text AS unit_cost, ${iso('p.updated_at')} AS updated_at, ${iso('p.deleted_at')} AS deleted_at,
       ${iso('p.updated_at')} AS changed_at
FROM products p
WHERE p.updated_at >= ${SINCE}
ORDER BY p.id`,
  // An order is read whole when it, or any of its items, changed: the items' own updated_at catches an
  // edited line even where no trigger touches the order (a removed line needs the order touched).
  orders: `WITH changed AS (
  SELECT o.id FROM orders o WHERE o.updated_at >= ${SINCE}
  UNION
  SELECT it.order_id FROM order_items it WHERE it.updated_at >= ${SINCE}
)
SELECT o.id::text AS id, o.customer_id::text AS customer_id, o.status, o.channel, o.payment_method,
       ${iso('o.ordered_at')} AS ordered_at, ${iso('o.updated_at')} AS updated_at,
       ${iso('o.deleted_at')} AS deleted_at, ${iso('GREATEST(o.updated_at, i.updated_at)')} AS changed_at,
       COALESCE(i.items, '[]'::json) AS items
FROM changed ch
JOIN orders o ON o.id = ch.id
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object(
           'line_no', it.line_no, 'product_id', it.product_id::text, 'quantity', it.quantity,
           'unit_price', it.unit_price::text, 'discount_pct', it.discount_pct::text,
           'updated_at', ${iso('it.updated_at')}) ORDER BY it.line_no) AS items,
         max(it.updated_at) AS updated_at
  FROM order_items it
  WHERE it.order_id = o.id
) i ON true
ORDER BY o.id`,
};

/** The lower bound of a window, as the database computes it (bind as CHANGE_QUERIES). */
const LOWER_BOUND = `SELECT CASE WHEN $1::timestamptz = '-infinity' THEN NULL ELSE ${iso(SINCE)} END AS since`;

export interface PostgresOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  log: Logger;
}

/** The `pg` client settings for a secret: TLS as the secret says, timeouts, a name in pg_stat_activity. */
export function clientConfig(credentials: PostgresCredentials, options: PostgresOptions): pg.ClientConfig {
  return {
    host: credentials.host,
    port: credentials.port,
    database: credentials.database,
    user: credentials.user,
    password: credentials.password ?? '',
    ssl:
      credentials.ssl === 'disable'
        ? false
        : { rejectUnauthorized: credentials.ssl === 'verify-full', servername: credentials.host },
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    application_name: 'shop-pipeline-ingest',
  };
}

/**
 * Connect to the database the secret names. A sign-in refused (SQLSTATE 28P01/28000) re-reads the
 * secret once, bypassing the cache: the password may have been rotated since it was cached.
 * @example const db = await openPostgresShopDatabase(secrets, 'shop-pipeline/dev/postgres', { ... });
 */
export async function openPostgresShopDatabase(
  secrets: SecretStore,
  secretId: string,
  options: PostgresOptions,
): Promise<ShopDatabase> {
  const credentials = parsePostgresCredentials(await secrets.get(secretId), secretId);
  try {
    return await connect(credentials, options);
  } catch (error) {
    if (!(error instanceof SourceDatabaseError) || !error.sqlState?.startsWith('28')) throw error;
    options.log.warn('PostgreSQL sign-in refused; re-reading the secret once', { secretId });
    const fresh = parsePostgresCredentials(await secrets.get(secretId, { fresh: true }), secretId);
    return connect(fresh, options);
  }
}

async function connect(credentials: PostgresCredentials, options: PostgresOptions): Promise<ShopDatabase> {
  const location = `postgres://${credentials.host}:${credentials.port}/${credentials.database}`;
  const client = new pg.Client(clientConfig(credentials, options));
  // A connection dropped between queries surfaces on the next query; this keeps it from being unhandled.
  client.on('error', (error) => options.log.warn('PostgreSQL connection error', { location, error }));
  const started = Date.now();
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw databaseError(`cannot connect to ${location}`, location, error);
  }
  options.log.info('PostgreSQL connected', { location, connectMs: Date.now() - started });
  return new PostgresShopDatabase(client, location);
}

class PostgresShopDatabase implements ShopDatabase {
  constructor(
    private readonly client: pg.Client,
    readonly location: string,
  ) {}

  async snapshot<T>(work: (reader: ChangeReader) => Promise<T>): Promise<T> {
    await this.run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const result = await work(this.reader());
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof SourceDatabaseError
        ? error
        : databaseError(`reading ${this.location} failed`, this.location, error);
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private reader(): ChangeReader {
    const client = this.client;
    const location = this.location;
    return {
      lowerBound: async (window: ChangeWindow) => {
        const out = await client.query<{ since: string | null }>(LOWER_BOUND, binds(window));
        return out.rows[0]?.since ?? null;
      },
      async *changes(entity: Entity, window: ChangeWindow, batchRows: number) {
        const cursor = client.query(
          new Cursor<Record<string, unknown>>(CHANGE_QUERIES[entity], binds(window)),
        );
        try {
          for (;;) {
            let rows: Record<string, unknown>[];
            try {
              rows = await cursor.read(batchRows);
            } catch (error) {
              throw databaseError(`reading ${entity} from ${location} failed`, location, error);
            }
            if (rows.length === 0) return;
            for (const row of rows) dbTimestamp(row.changed_at, `${entity} ${String(row.id)} changed_at`);
            yield rows as ChangedRow[];
          }
        } finally {
          await cursor.close().catch(() => undefined);
        }
      },
    };
  }

  private async run(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (error) {
      throw databaseError(`${sql} on ${this.location} failed`, this.location, error);
    }
  }
}

function binds(window: ChangeWindow): [string, number] {
  return [window.watermark ?? '-infinity', window.overlapSeconds];
}

/** A driver error as a SourceDatabaseError, keeping its SQLSTATE (which decides transient or terminal). */
function databaseError(message: string, location: string, error: unknown): SourceDatabaseError {
  const code = (error as { code?: unknown } | null)?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new SourceDatabaseError(`${message}: ${detail}`, location, sqlState, { cause: error });
}
