import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { clearStagingStatement, mergeStatement, TABLE_LOADS } from '../domain/load-statements';
import { WarehouseError } from '../errors';
import { applyMigrations, readMigrations } from './migrations';
import type { ObjectStore } from './object-store';
import type { LoadBatch, LoadOutcome, Warehouse, WarehouseRow } from './warehouse';

/**
 * DuckDB standing in for Snowflake locally and in tests. It runs the same migrations, the same
 * MERGE statements and the same views; COPY INTO from the external stage becomes read_parquet of
 * the files downloaded from the bucket (httpfs cannot be installed offline).
 */
export class DuckDbWarehouse implements Warehouse {
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly store: ObjectStore,
    private readonly sqlDirectory: string,
  ) {}

  /** Open (or create) the database file; `:memory:` for a throwaway one. */
  static async open(path: string, store: ObjectStore, sqlDirectory: string): Promise<DuckDbWarehouse> {
    if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(path);
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

  migrate(): Promise<string[]> {
    return this.serial(() =>
      applyMigrations(
        {
          execute: (sql, params) => this.execute(sql, params),
          query: (sql, params) => this.rows(sql, params),
        },
        readMigrations(this.sqlDirectory),
      ),
    );
  }

  query(sql: string, params?: unknown[]): Promise<WarehouseRow[]> {
    return this.serial(() => this.rows(sql, params));
  }

  loadBatch(batch: LoadBatch): Promise<LoadOutcome> {
    return this.serial(async () => {
      const directory = await mkdtemp(join(tmpdir(), 'load-'));
      try {
        const local = await Promise.all(
          batch.files.map(async (file, index) => {
            const path = join(directory, `${index}.parquet`);
            await writeFile(path, await this.store.get(batch.bucket, file.key));
            return { ...file, path };
          }),
        );
        await this.execute('BEGIN TRANSACTION');
        try {
          const outcome = await this.loadInTransaction(batch, local);
          await this.execute(outcome.status === 'loaded' ? 'COMMIT' : 'ROLLBACK');
          return outcome;
        } catch (error) {
          await this.execute('ROLLBACK');
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
    files: (LoadBatch['files'][number] & { path: string })[],
  ): Promise<LoadOutcome> {
    const audited = await this.rows('SELECT 1 FROM OPS.LOAD_AUDIT WHERE batch_id = ?', [batch.batchId]);
    if (audited.length > 0) return { status: 'skipped', rows: {} };
    const rows: LoadOutcome['rows'] = {};
    for (const load of TABLE_LOADS) {
      await this.execute(clearStagingStatement(load), [batch.batchId]);
      const paths = files.filter((f) => f.table === load.table).map((f) => f.path);
      if (paths.length > 0) {
        const list = paths.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
        await this.execute(`INSERT INTO ${load.staging} BY NAME SELECT * FROM read_parquet([${list}])`);
      }
      const [count] = await this.rows(
        `SELECT COUNT(*)::INTEGER AS n FROM ${load.staging} WHERE batch_id = ?`,
        [batch.batchId],
      );
      rows[load.table] = Number(count?.n ?? 0);
      const expected = files.filter((f) => f.table === load.table).reduce((sum, f) => sum + f.rows, 0);
      if (rows[load.table] !== expected) {
        throw new Error(
          `${load.staging} staged ${rows[load.table]} rows of batch ${batch.batchId}, manifest lists ${expected}`,
        );
      }
      if (load.target) await this.execute(mergeStatement(load), [batch.batchId]);
    }
    await this.execute(
      'INSERT INTO OPS.LOAD_AUDIT (batch_id, manifest_key, order_lines, customers, products, rejects, loaded_at) VALUES (?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)',
      [
        batch.batchId,
        batch.manifestKey,
        rows.order_lines ?? 0,
        rows.customers ?? 0,
        rows.products ?? 0,
        rows.order_rejects ?? 0,
      ],
    );
    return { status: 'loaded', rows };
  }

  async close(): Promise<void> {
    await this.chain;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
