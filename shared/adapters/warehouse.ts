import type { CuratedTable } from '../constants';
import type { Migration, PendingMigration } from './migrations';

/** One curated batch to load: the files its convert manifest lists. */
export interface LoadBatch {
  batchId: string;
  bucket: string;
  manifestKey: string;
  files: { table: CuratedTable; key: string; rows: number }[];
}

export interface LoadOutcome {
  status: 'loaded' | 'skipped';
  /** Rows staged per table (zero when skipped). */
  rows: Partial<Record<CuratedTable, number>>;
}

/** A JSON-safe row: decimals as exact strings, dates and timestamps as ISO text. */
export type WarehouseRow = Record<string, string | number | boolean | null>;

export interface MigrateOptions {
  /** Report what would run (through `onPending`) without changing anything. */
  dryRun?: boolean;
  /** Values of the scripts' `{{ name }}` variables (Snowflake scripts). */
  vars?: Record<string, string>;
  /** Include the optional scripts (Snowflake: the raw-zone Snowpipe). */
  optional?: boolean;
  onPending?: (pending: PendingMigration) => void;
  /** Called for each migration already applied and unchanged. */
  onApplied?: (migration: Migration) => void;
}

/**
 * The warehouse the loader writes to: Snowflake when deployed, DuckDB locally. A batch loads in
 * one transaction together with its OPS.LOAD_AUDIT row; a batch already audited is skipped.
 */
export interface Warehouse {
  /** Apply pending migrations from sql/; returns the scripts applied (or that would be). */
  migrate(options?: MigrateOptions): Promise<string[]>;
  loadBatch(batch: LoadBatch): Promise<LoadOutcome>;
  query(sql: string, params?: unknown[]): Promise<WarehouseRow[]>;
  close(): Promise<void>;
}
