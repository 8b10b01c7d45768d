/**
 * An embedded PostgreSQL for the local stack: PGlite (Postgres compiled to WebAssembly, in process)
 * served over the wire protocol by `@electric-sql/pglite-socket` on a loopback port, so the real `pg`
 * driver connects to it exactly as to a server. Dev-only: nothing under shared/ or services/ imports it.
 *
 * PGlite is one session: the socket server takes one client at a time (a second is refused). The
 * pipeline opens one connection a run and closes it; `idle()` waits until the server has let the last
 * client go, so the next run's connection is not refused.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Shop } from './generator';
import { applyReferenceSchema, type SeedResult, seedShop } from './postgres-seed';

export interface EmbeddedPostgres {
  /** The in-process database: tests change rows through it between runs (never during one). */
  db: PGlite;
  host: string;
  port: number;
  /** The connection secret (the Secrets Manager JSON shape) pointing at it. */
  secret: string;
  seeded: SeedResult | undefined;
  /** Resolves once no client is connected. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Start PGlite on `127.0.0.1:port` (0: a free port), with the reference schema and `shop` seeded. */
export async function startEmbeddedPostgres(options: {
  shop: Shop;
  port?: number;
}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  let server: PGLiteSocketServer | undefined;
  try {
    await applyReferenceSchema(db);
    const seeded = await seedShop(db, options.shop);
    const host = '127.0.0.1';
    server = new PGLiteSocketServer({ db, host, port: options.port ?? 0 });
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    const started = server;
    return {
      db,
      host,
      port,
      secret: JSON.stringify({
        host,
        port,
        database: 'postgres',
        user: 'postgres',
        password: 'postgres',
        ssl: false,
      }),
      seeded,
      async idle(timeoutMs = 10_000) {
        const until = Date.now() + timeoutMs;
        while (started.getStats().activeConnections > 0) {
          if (Date.now() > until)
            throw new Error(`embedded PostgreSQL still has a client after ${timeoutMs} ms`);
          await new Promise((done) => setTimeout(done, 10));
        }
      },
      async close() {
        await started.stop();
        await db.close();
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Prepare a real PostgreSQL (a local run with PG* variables) as the embedded one is: the reference
 * schema where it is missing, and the shop seeded only when the database holds no orders yet.
 */
export async function prepareShopDatabase(secret: string, shop: Shop): Promise<SeedResult | undefined> {
  const { default: pg } = await import('pg');
  const { clientConfig } = await import('../shared/adapters/postgres-shop-database');
  const { parsePostgresCredentials } = await import('../shared/adapters/postgres-credentials');
  const { createLogger } = await import('../shared/logger');
  const credentials = parsePostgresCredentials(secret, 'PG* variables');
  const client = new pg.Client(
    clientConfig(credentials, {
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 60_000,
      log: createLogger('silent'),
    }),
  );
  await client.connect();
  try {
    const runner = {
      exec: (sql: string) => client.query(sql),
      query: (sql: string, params?: unknown[]) => client.query(sql, params),
    };
    await applyReferenceSchema(runner);
    return await seedShop(runner, shop);
  } finally {
    await client.end();
  }
}
