import { InMemorySecretStore } from '../../shared/adapters/secret-store';
import type { SnowflakeConnector, SnowflakeSession } from '../../shared/adapters/snowflake-connection';
import type { SnowflakeCredentials } from '../../shared/adapters/snowflake-credentials';
import { SnowflakeWarehouse } from '../../shared/adapters/snowflake-warehouse';
import { createLogger } from '../../shared/logger';

/** One statement a fake session received, with its binds and the session it ran on. */
export interface RecordedStatement {
  sql: string;
  binds: unknown[];
  session: number;
}

/** What the fake answers to a statement: rows, or an error to throw. */
export type FakeReply = Record<string, unknown>[] | Error;

/**
 * A stand-in for Snowflake at the driver's edge: records every statement and its binds, in order and
 * per session, and answers from a small model of what the loader asks: the audit lookup answers from
 * the batches committed so far, COPY answers one result row per file with `rows_loaded` from
 * `rowsPerFile` (the manifest's counts unless a test says otherwise). `reply` overrides any statement.
 */
export class FakeSnowflake {
  readonly statements: RecordedStatement[] = [];
  readonly connects: SnowflakeCredentials[] = [];
  /** Batch ids whose audit row was committed. */
  readonly audited = new Set<string>();
  rowsPerFile: (path: string) => number = () => 0;
  reply: (sql: string, binds: unknown[]) => FakeReply | undefined = () => undefined;
  /** Make the next connects fail with these errors, in order. */
  connectErrors: Error[] = [];
  private sessions = 0;
  private up = new Map<number, boolean>();

  /** The connector to inject into SnowflakeWarehouse. */
  readonly connector: SnowflakeConnector = async (credentials) => {
    this.connects.push(credentials);
    const failure = this.connectErrors.shift();
    if (failure) throw failure;
    const id = ++this.sessions;
    this.up.set(id, true);
    return this.session(id);
  };

  /** Mark a session as down, as the driver does once its connection is lost. */
  drop(session: number): void {
    this.up.set(session, false);
  }

  /** Statements' SQL of one session, or of all. */
  sql(session?: number): string[] {
    return this.statements.filter((s) => session === undefined || s.session === session).map((s) => s.sql);
  }

  private session(id: number): SnowflakeSession {
    let pendingAudit: string | undefined;
    return {
      execute: async (sql, binds = []) => {
        this.statements.push({ sql, binds: [...binds], session: id });
        const override = this.reply(sql, binds);
        if (override instanceof Error) throw override;
        if (override) return override;
        if (sql.startsWith('SELECT batch_id FROM OPS.LOAD_AUDIT')) {
          return this.audited.has(String(binds[0])) ? [{ BATCH_ID: binds[0] }] : [];
        }
        if (sql.startsWith('INSERT INTO OPS.LOAD_AUDIT')) pendingAudit = String(binds[0]);
        if (sql === 'COMMIT' && pendingAudit) this.audited.add(pendingAudit);
        if (sql === 'COMMIT' || sql === 'ROLLBACK') pendingAudit = undefined;
        if (sql.startsWith('COPY INTO')) {
          const files = [...(sql.match(/FILES = \(([^)]*)\)/)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
            (m) => m[1]!,
          );
          return files.map((file) => ({
            file: `s3://curated/curated/${file}`,
            status: 'LOADED',
            rows_parsed: this.rowsPerFile(file),
            rows_loaded: this.rowsPerFile(file),
          }));
        }
        return [];
      },
      isUp: () => this.up.get(id) ?? false,
      close: async () => {
        this.up.set(id, false);
      },
    };
  }
}

/** An error as snowflake-sdk raises it for an expired session token (an idle warm container). */
export function sessionExpired(): Error {
  return Object.assign(new Error('Authentication token has expired.  The user must authenticate again.'), {
    code: '390114',
  });
}

/**
 * A SnowflakeWarehouse signed in as the deploying role (SYSADMIN, password in an in-memory secret)
 * over a fake session: what the migration tests send scripts through.
 * @example const wh = deployerWarehouse(new FakeSnowflake(), { sqlDirectory: SQL, curatedBucket: 'b' });
 */
export function deployerWarehouse(
  fake: FakeSnowflake,
  options: { sqlDirectory: string; curatedBucket: string },
): SnowflakeWarehouse {
  return new SnowflakeWarehouse(
    {
      secretId: 'deployer',
      loadMode: 'loader',
      stage: 'STAGING.CURATED_STAGE',
      fileFormat: 'STAGING.PARQUET_FORMAT',
      curatedBucket: options.curatedBucket,
      connectTimeoutMs: 5_000,
      statementTimeoutSeconds: 600,
    },
    {
      secrets: new InMemorySecretStore({
        deployer: JSON.stringify({
          account: 'myorg-myaccount',
          user: 'DEPLOYER',
          role: 'SYSADMIN',
          warehouse: 'COMPUTE_WH',
          database: 'SHOP',
          password: 'pw',
        }),
      }),
      log: createLogger('silent'),
      connect: fake.connector,
      sqlDirectory: () => options.sqlDirectory,
    },
  );
}
