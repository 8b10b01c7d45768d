import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { AUDIT_INSERT, AUDIT_LOOKUP, auditBinds, type LoadStep, planLoad } from '../domain/load-statements';
import { ManifestMismatchError, PipelineError, WarehouseError } from '../errors';
import { applyMigrations, migrationsFor } from './migrations';
import type { ObjectStore } from './object-store';
import type { LoadBatch, LoadOutcome, MigrateOptions, Warehouse, WarehouseRow } from './warehouse';

/**
 * DuckDB standing in for Snowflake locally and in tests. It runs the same portable migrations, the
 * same load plan (clear, stage, count, MERGE, audit in one transaction) and the same views; COPY INTO
 * from the external stage becomes read_parquet of the files downloaded from the bucket (httpfs cannot
 * be installed offline).
 */
export class DuckDbWarehouse implements Warehouse {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly store: ObjectStore | undefined,
    private readonly sqlDirectory: string | undefined,
  ) {}

  /**
   * Open (or create) the database file; `:memory:` for a throwaway one. `readOnly` lets a second
   * process (the query CLI) read a file nobody is writing.
   */
  static async open(
    path: string,
    store: ObjectStore | undefined,
    sqlDirectory: string | undefined,
    options: { readOnly?: boolean } = {},
  ): Promise<DuckDbWarehouse> {
    if (path !== ':memory:' && !options.readOnly) await mkdir(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(
      path,
      options.readOnly ? { access_mode: 'READ_ONLY' } : undefined,
    );
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbWarehouse(instance, connection, store, sqlDirectory);
  }

  /** Run one unit of work at a time on the single connection. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async execute(sql: string, params?: unknown[]): Promise<void> {
    await this.connection.run(sql, params as DuckDBValue[] | undefined);
  }

  private async rows(sql: string, params?: unknown[]): Promise<WarehouseRow[]> {
    const reader = await this.connection.runAndReadAll(sql, params as DuckDBValue[] | undefined);
    return reader.getRowObjectsJson() as WarehouseRow[];
  }

  migrate(options: MigrateOptions = {}): Promise<string[]> {
    const sqlDirectory = this.sqlDirectory;
    if (!sqlDirectory) return Promise.reject(new WarehouseError('no sql/ folder given to migrate from'));
    return this.serial(() =>
      applyMigrations(
        {
          execute: (sql, params) => this.execute(sql, params),
          query: (sql, params) => this.rows(sql, params),
        },
        migrationsFor(sqlDirectory, 'duckdb'),
        { ...options, transactional: true },
      ),
    );
  }

  query(sql: string, params?: unknown[]): Promise<WarehouseRow[]> {
    return this.serial(() => this.rows(sql, params));
  }

  loadBatch(batch: LoadBatch): Promise<LoadOutcome> {
    const store = this.store;
    if (!store)
      return Promise.reject(new WarehouseError('this warehouse was opened without an object store'));
    return this.serial(async () => {
      const plan = planLoad(batch.files, 'loader');
      const directory = await mkdtemp(join(tmpdir(), 'load-'));
      try {
        let n = 0;
        const local = new Map<string, string>();
        for (const step of plan) {
          for (const file of step.files) {
            const path = join(directory, `${n++}.parquet`);
            await writeFile(path, await store.get(batch.bucket, file.key));
            local.set(file.key, path);
          }
        }
        await this.execute('BEGIN TRANSACTION');
        try {
          const outcome = await this.loadInTransaction(batch, plan, local);
          await this.execute(outcome.status === 'loaded' ? 'COMMIT' : 'ROLLBACK');
          return outcome;
        } catch (error) {
          await this.execute('ROLLBACK');
          if (error instanceof PipelineError) throw error;
          throw new WarehouseError(`loading batch ${batch.batchId} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });
  }

  private async loadInTransaction(
    batch: LoadBatch,
    plan: LoadStep[],
    local: Map<string, string>,
  ): Promise<LoadOutcome> {
    if ((await this.rows(AUDIT_LOOKUP, [batch.batchId])).length > 0) return { status: 'skipped', rows: {} };
    const rows: LoadOutcome['rows'] = {};
    for (const step of plan) {
      await this.execute(step.clear, [batch.batchId]);
      const list = step.files.map((f) => `'${local.get(f.key)!.replace(/'/g, "''")}'`).join(', ');
      await this.execute(`INSERT INTO ${step.load.staging} BY NAME SELECT * FROM read_parquet([${list}])`);
      // Counted by batch id: a file of another batch listed by mistake stages nothing the MERGE reads.
      const [count] = await this.rows(
        `SELECT COUNT(*)::INTEGER AS n FROM ${step.load.staging} WHERE batch_id = ?`,
        [batch.batchId],
      );
      const staged = Number(count?.n ?? 0);
      if (staged !== step.expectedRows) {
        throw new ManifestMismatchError(
          `${step.load.staging} staged ${staged} rows of batch ${batch.batchId}, the manifest lists ${step.expectedRows}`,
          batch.manifestKey,
        );
      }
      rows[step.load.table] = staged;
      for (const merge of step.merges) await this.execute(merge, [batch.batchId]);
      for (const replace of step.replaces) await this.execute(replace, [batch.batchId]);
    }
    await this.execute(AUDIT_INSERT, auditBinds(batch, 'loader', rows));
    return { status: 'loaded', rows };
  }

  async close(): Promise<void> {
    await this.chain;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
