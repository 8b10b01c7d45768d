import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import type { ColumnSpec } from '../../shared/domain/tables';

/**
 * In-memory DuckDB reading Parquet bytes, for a describe block (set up and torn down with it):
 * `read(bytes, sql)` writes the bytes to a temp file and runs `sql` with FILE replaced by
 * `read_parquet('<file>')` and PATH by `'<file>'`.
 * @example
 * const read = duckParquet('parquet-writer');
 * const [row] = await read(bytes, 'SELECT COUNT(*)::INTEGER AS n FROM FILE');
 */
export function duckParquet(
  name: string,
): (body: Uint8Array, sql: string) => Promise<Record<string, unknown>[]> {
  let dir: string;
  let duck: DuckDBConnection;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `${name}-`));
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(async () => {
    duck?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });
  return async (body, sql) => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
    await writeFile(path, body);
    const resolved = sql.replace('FILE', `read_parquet('${path}')`).replace('PATH', `'${path}'`);
    return (await duck.runAndReadAll(resolved)).getRowObjectsJson() as Record<string, unknown>[];
  };
}

/** A row of the Parquet tests: column name -> value. */
export type Row = Record<string, unknown>;

/** A column of a test table, its value read from the row's field of the same name. */
export const col = (
  name: string,
  kind: ColumnSpec<Row>['kind'],
  nullable = false,
  extra = {},
): ColumnSpec<Row> => ({
  name,
  kind,
  nullable,
  value: (r) => r[name] as string | number | null,
  ...extra,
});
