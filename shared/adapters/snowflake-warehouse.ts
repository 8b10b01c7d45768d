import type { Bind } from 'snowflake-sdk';
import {
  AUDIT_INSERT,
  AUDIT_LOOKUP,
  auditBinds,
  copyStatements,
  type LoadMode,
  planLoad,
} from '../domain/load-statements';
import { ManifestMismatchError, PipelineError, WarehouseError } from '../errors';
import type { Logger } from '../logger';
import { applyMigrations, MIGRATION_DEFAULTS, migrationsFor } from './migrations';
import { type SecretStore, secretStoreFor } from './secret-store';
import {
  driverConnector,
  isSessionLost,
  type SnowflakeConnector,
  type SnowflakeSession,
} from './snowflake-connection';
import { parseSnowflakeCredentials, type SnowflakeCredentials } from './snowflake-credentials';
import type { LoadBatch, LoadOutcome, MigrateOptions, Warehouse, WarehouseRow } from './warehouse';

/** What the loader needs to know about its Snowflake account besides the credentials. */
export interface SnowflakeSettings {
  secretId: string;
  /** Who MERGEs: the loader, in its transaction, or the streams' tasks. */
  loadMode: LoadMode;
  /** External stage on `s3://<curatedBucket>/curated/` and its Parquet file format (validated identifiers). */
  stage: string;
  fileFormat: string;
  /** The bucket the stage reads: a load message naming another bucket cannot be loaded from it. */
  curatedBucket: string;
  connectTimeoutMs: number;
  /** Server-side limit of one statement; keep it under the function's timeout. */
  statementTimeoutSeconds: number;
}

export interface SnowflakeDeps {
  secrets: SecretStore;
  log: Logger;
  /** Opens sessions (tests inject a fake); default: snowflake-sdk. */
  connect?: SnowflakeConnector;
  /** Where sql/ is, for `migrate`. */
  sqlDirectory?: () => string;
}

/**
 * Snowflake as the warehouse. The session is opened on first use and kept for the container's life,
 * so warm invocations reuse it; it is re-opened when it is down or a statement reports the session
 * gone (an idle container's token expires after hours), and the batch is retried once on the new one.
 *
 * Per batch, in one transaction: skip if OPS.LOAD_AUDIT has the batch; per table, DELETE the batch's
 * earlier staging rows, COPY exactly the manifest's files from the external stage, check the rows
 * loaded against the manifest, MERGE into ANALYTICS (unless the tasks do); insert the audit row; COMMIT.
 */
export class SnowflakeWarehouse implements Warehouse {
  private session: SnowflakeSession | undefined;
  private credentials: SnowflakeCredentials | undefined;
  /** Set when a sign-in failed: the next one re-reads the secret (it may have been rotated). */
  private secretSuspect = false;
  /** Credentials a sign-in failed with: handed over again (same invocation), they are ignored. */
  private refused: SnowflakeCredentials | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly connect: SnowflakeConnector;

  constructor(
    private readonly settings: SnowflakeSettings,
    private readonly deps: SnowflakeDeps,
  ) {
    this.connect =
      deps.connect ?? driverConnector({ connectTimeoutMs: settings.connectTimeoutMs, log: deps.log });
  }

  /** One unit of work at a time on the one session (a transaction is per session). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Credentials the load function's secrets middleware read for this invocation (from the container's
   * cache): the next sign-in uses them instead of reading the secret itself. After a failed sign-in
   * the secret is re-read fresh (through the same cache, so the next invocation is handed the new
   * value), and the credentials that failed are not taken again.
   */
  useCredentials(credentials: SnowflakeCredentials): void {
    if (!this.secretSuspect && credentials !== this.refused) this.credentials = credentials;
  }

  private async readCredentials(fresh: boolean): Promise<SnowflakeCredentials> {
    if (this.credentials && !fresh && !this.secretSuspect) return this.credentials;
    const text = await this.deps.secrets.get(this.settings.secretId, {
      fresh: fresh || this.secretSuspect,
    });
    this.secretSuspect = false;
    this.credentials = parseSnowflakeCredentials(text, this.settings.secretId);
    return this.credentials;
  }

  /** The open session, connecting (or reconnecting) when there is none or it is down. */
  private async open(fresh = false): Promise<SnowflakeSession> {
    if (this.session && !fresh && this.session.isUp()) return this.session;
    if (this.session) {
      const old = this.session;
      this.session = undefined;
      await old.close().catch(() => undefined);
    }
    const credentials = await this.readCredentials(fresh);
    if (credentials.password) {
      this.deps.log.warn('Snowflake password sign-in is discouraged; store a privateKey (key-pair) instead');
    }
    const started = Date.now();
    let session: SnowflakeSession;
    try {
      session = await this.connect(credentials);
    } catch (error) {
      this.secretSuspect = true;
      this.refused = credentials;
      throw withoutSecrets(error, credentials);
    }
    const connectMs = Date.now() - started;
    // One statement: the session's clock is UTC (CURRENT_TIMESTAMP into TIMESTAMP_NTZ), a runaway
    // statement is cancelled before Lambda kills the function mid-transaction, and a lock held by a
    // dead session cannot stall the next load for the default 12 hours.
    const t = this.settings.statementTimeoutSeconds;
    await session.execute(
      `ALTER SESSION SET TIMEZONE = 'UTC', STATEMENT_TIMEOUT_IN_SECONDS = ${t}, LOCK_TIMEOUT = ${t}, QUERY_TAG = 'shop-pipeline'`,
    );
    this.session = session;
    this.deps.log.info('snowflake session opened', { account: credentials.account, connectMs });
    return session;
  }

  /** Run work on the session; if the session turns out to be gone, reconnect (re-reading the secret) and retry once. */
  private async withSession<T>(work: (session: SnowflakeSession) => Promise<T>): Promise<T> {
    try {
      return await work(await this.open());
    } catch (error) {
      if (!isSessionLost(error)) throw error;
      this.deps.log.warn('snowflake session lost; reconnecting once', { error });
      return work(await this.open(true));
    }
  }

  migrate(options: MigrateOptions = {}): Promise<string[]> {
    return this.serial(async () => {
      const sqlDirectory = this.deps.sqlDirectory?.();
      if (!sqlDirectory) throw new WarehouseError('no sql/ folder given to migrate from');
      return this.withSession(async (session) => {
        const credentials = await this.readCredentials(false);
        const vars = { ...MIGRATION_DEFAULTS, database: credentials.database, ...options.vars };
        return applyMigrations(
          {
            execute: async (sql, params) => {
              await session.execute(sql, params as Bind[] | undefined);
            },
            query: (sql, params) => session.execute(sql, params as Bind[] | undefined, { asText: true }),
          },
          migrationsFor(sqlDirectory, 'snowflake', { optional: options.optional ?? false }),
          {
            ...options,
            vars,
            // The history lives in the database, so it must exist before the history is read.
            bootstrap: [`CREATE DATABASE IF NOT EXISTS ${vars.database}`, `USE DATABASE ${vars.database}`],
          },
        );
      });
    });
  }

  query(sql: string, params?: unknown[]): Promise<WarehouseRow[]> {
    return this.serial(() =>
      this.withSession(
        async (session) =>
          (await session.execute(sql, params as Bind[] | undefined, { asText: true })) as WarehouseRow[],
      ),
    );
  }

  loadBatch(batch: LoadBatch): Promise<LoadOutcome> {
    return this.serial(async () => {
      if (batch.bucket !== this.settings.curatedBucket) {
        throw new ManifestMismatchError(
          `batch ${batch.batchId} is in bucket ${batch.bucket}; the stage reads ${this.settings.curatedBucket}`,
          batch.manifestKey,
        );
      }
      const plan = planLoad(batch.files, this.settings.loadMode);
      const copies = plan.map((step) =>
        copyStatements(step.load, step.files, {
          stage: this.settings.stage,
          fileFormat: this.settings.fileFormat,
        }),
      );
      return this.withSession(async (session) => {
        await session.execute('BEGIN');
        try {
          const outcome = await this.loadInTransaction(session, batch, plan, copies);
          await session.execute(outcome.status === 'loaded' ? 'COMMIT' : 'ROLLBACK');
          return outcome;
        } catch (error) {
          await session.execute('ROLLBACK').catch(() => undefined);
          if (error instanceof PipelineError || isSessionLost(error)) throw error;
          throw new WarehouseError(`loading batch ${batch.batchId} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
      });
    });
  }

  private async loadInTransaction(
    session: SnowflakeSession,
    batch: LoadBatch,
    plan: ReturnType<typeof planLoad>,
    copies: string[][],
  ): Promise<LoadOutcome> {
    if ((await session.execute(AUDIT_LOOKUP, [batch.batchId])).length > 0) {
      return { status: 'skipped', rows: {} };
    }
    const rows: LoadOutcome['rows'] = {};
    for (const [i, step] of plan.entries()) {
      await session.execute(step.clear, [batch.batchId]);
      let loaded = 0;
      for (const copy of copies[i] ?? []) {
        for (const result of await session.execute(copy)) {
          loaded += Number(result.rows_loaded ?? result.ROWS_LOADED ?? 0);
        }
      }
      if (loaded !== step.expectedRows) {
        throw new ManifestMismatchError(
          `COPY INTO ${step.load.staging} loaded ${loaded} rows of batch ${batch.batchId}, the manifest lists ${step.expectedRows}`,
          batch.manifestKey,
        );
      }
      rows[step.load.table] = loaded;
      for (const merge of step.merges) await session.execute(merge, [batch.batchId]);
      for (const replace of step.replaces) await session.execute(replace, [batch.batchId]);
    }
    await session.execute(AUDIT_INSERT, auditBinds(batch, this.settings.loadMode, rows));
    return { status: 'loaded', rows };
  }

  async close(): Promise<void> {
    await this.chain;
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }
}

/** The configured Snowflake warehouse; nothing connects until the first batch. */
export function openSnowflakeWarehouse(
  settings: SnowflakeSettings,
  deps: Omit<SnowflakeDeps, 'secrets'> & { secrets?: SecretStore; region?: string },
): SnowflakeWarehouse {
  const secrets =
    deps.secrets ?? secretStoreFor(settings.secretId, deps.region ? { region: deps.region } : {});
  return new SnowflakeWarehouse(settings, { ...deps, secrets });
}

const REDACTED = '[REDACTED]';

/**
 * A driver error with the credentials' secret values (password, private key) masked in its message,
 * stack and causes, in place (its class, code and kind stay): a driver may echo what it was given,
 * and the error is logged and returned.
 */
function withoutSecrets(error: unknown, credentials: SnowflakeCredentials): unknown {
  const secrets = [credentials.password, credentials.privateKey].filter(
    (value): value is string => typeof value === 'string' && value.length >= 4,
  );
  const mask = (text: string) =>
    secrets.reduce((masked, secret) => masked.split(secret).join(REDACTED), text);
  if (typeof error === 'string') return mask(error);
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth += 1) {
    e.message = mask(e.message);
    if (e.stack) e.stack = mask(e.stack);
  }
  return error;
}
