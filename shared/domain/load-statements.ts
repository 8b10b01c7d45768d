import { CURATED_TABLE, type CuratedTable, PREFIX } from '../constants';
import { ConfigError, ManifestMismatchError } from '../errors';
import { TABLE_COLUMNS } from './tables';

/**
 * The loader's SQL, written once for Snowflake and DuckDB. Each curated table lands in a STAGING
 * table (COPY INTO on Snowflake, read_parquet on DuckDB), then MERGEs into ANALYTICS on its natural
 * key, so replaying a batch, or two batches that share order lines, changes nothing. Values (the batch
 * id, counts) are binds (`?`); the only text spliced in is fixed table names from this file, validated
 * configuration identifiers, and manifest file names checked against a strict pattern (COPY's
 * `FILES = (...)` takes no binds).
 */

/** One ANALYTICS table a staging table MERGEs into: its natural key and the columns it keeps. */
export interface MergeTarget {
  name: string;
  key: string[];
  columns: string[];
}

export interface TableLoad {
  table: CuratedTable;
  staging: string;
  /** Targets of the MERGE; rejects have none (STAGING.ORDER_REJECTS is their home). */
  targets: MergeTarget[];
  /**
   * Statements run after the MERGE, in either load mode (bind: the batch id): the order snapshots'
   * replace of their orders' lines.
   */
  replaces?: string[];
}

/** A curated file a convert manifest lists. */
export interface CuratedFile {
  table: CuratedTable;
  key: string;
  rows: number;
}

/** `loader`: the loader MERGEs in its transaction. `tasks`: streams + tasks MERGE (Snowflake only). */
export type LoadMode = 'loader' | 'tasks';

/** Column names of a curated table, in file order. */
export function columnsOf(table: CuratedTable): string[] {
  return TABLE_COLUMNS[table].map((c) => c.name);
}

const ALL = (table: CuratedTable) => columnsOf(table);
const CUSTOMER_KEY = ['source', 'customer_id'];

export const TABLE_LOADS: TableLoad[] = [
  {
    table: CURATED_TABLE.customers,
    staging: 'STAGING.CUSTOMERS_LOAD',
    targets: [
      {
        name: 'ANALYTICS.DIM_CUSTOMER',
        key: CUSTOMER_KEY,
        columns: ['source', 'customer_id', 'first_name', 'last_name', 'email', 'batch_id', 'ingested_at'],
      },
      {
        // The customer's current address: one row a customer, as the sources give one.
        name: 'ANALYTICS.DIM_ADDRESS',
        key: CUSTOMER_KEY,
        columns: [
          'source',
          'customer_id',
          'address_line',
          'city',
          'state',
          'country',
          'postal_code',
          'batch_id',
          'ingested_at',
        ],
      },
    ],
  },
  {
    table: CURATED_TABLE.products,
    staging: 'STAGING.PRODUCTS_LOAD',
    targets: [
      { name: 'ANALYTICS.DIM_PRODUCT', key: ['source', 'product_id'], columns: ALL(CURATED_TABLE.products) },
    ],
  },
  {
    table: CURATED_TABLE.orderLines,
    staging: 'STAGING.ORDER_LINES_LOAD',
    targets: [
      {
        name: 'ANALYTICS.FACT_ORDER_LINES',
        key: ['source', 'order_id', 'line_no'],
        columns: ALL(CURATED_TABLE.orderLines),
      },
    ],
  },
  {
    // Orders the batch carries whole (sources with order snapshots): after the fact's MERGE, their
    // lines that the batch no longer has are deleted, so the fact holds each such order's latest lines.
    table: CURATED_TABLE.orders,
    staging: 'STAGING.ORDERS_LOAD',
    targets: [],
    replaces: [replaceOrderLinesStatement()],
  },
  { table: CURATED_TABLE.rejects, staging: 'STAGING.ORDER_REJECTS', targets: [] },
];

const unqualified = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/** The stream (Snowflake CDC) a target's task reads: one stream per consumer, as a stream's offset is shared. */
export function streamName(load: TableLoad, target: MergeTarget): string {
  return `${load.staging}_${unqualified(target.name)}_STREAM`;
}

/** The task that MERGEs a target from its stream. */
export function taskName(target: MergeTarget): string {
  return `OPS.MERGE_${unqualified(target.name)}`;
}

/**
 * MERGE staged rows into a target on its natural key. The source is one batch of the staging table
 * (`WHERE batch_id = ?`, the loader) or a stream (the tasks); rows are reduced to one per key, the
 * latest ingested, so the MERGE is deterministic even when a stream holds two batches sharing a line.
 */
export function mergeStatement(
  load: TableLoad,
  target: MergeTarget,
  source: { batch: true } | { stream: string } = { batch: true },
): string {
  const from = 'stream' in source ? source.stream : `${load.staging} WHERE batch_id = ?`;
  const keys = target.key;
  const columns = target.columns;
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${c} = s.${c}`);
  return [
    `MERGE INTO ${target.name} t`,
    `USING (SELECT ${columns.join(', ')} FROM ${from}`,
    `  QUALIFY ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ingested_at DESC, batch_id DESC) = 1) s`,
    `ON ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}`,
    `WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
  ].join('\n');
}

/**
 * Delete the fact lines of the orders a batch carries whole (STAGING.ORDERS_LOAD) that are not among
 * the batch's clean lines: a line removed at the source (or now rejected) leaves the warehouse, and an
 * order whose lines are all gone has none left. Bind: the batch id. Runs after the fact's MERGE, in
 * the same transaction; lines of orders the batch does not carry are never touched.
 */
export function replaceOrderLinesStatement(): string {
  return [
    'DELETE FROM ANALYTICS.FACT_ORDER_LINES',
    'USING (SELECT f.source, f.order_id, f.line_no',
    '  FROM ANALYTICS.FACT_ORDER_LINES f',
    '  JOIN STAGING.ORDERS_LOAD o ON o.batch_id = ? AND o.source = f.source AND o.order_id = f.order_id',
    '  LEFT JOIN STAGING.ORDER_LINES_LOAD l ON l.batch_id = o.batch_id AND l.source = f.source',
    '    AND l.order_id = f.order_id AND l.line_no = f.line_no',
    '  WHERE l.order_id IS NULL) stale',
    'WHERE FACT_ORDER_LINES.source = stale.source AND FACT_ORDER_LINES.order_id = stale.order_id',
    '  AND FACT_ORDER_LINES.line_no = stale.line_no',
  ].join('\n');
}

/** Remove a batch's earlier staging rows, so a retried load starts clean. */
export function clearStagingStatement(load: TableLoad): string {
  return `DELETE FROM ${load.staging} WHERE batch_id = ?`;
}

/** Is this batch already loaded? Bind: the batch id. */
export const AUDIT_LOOKUP = 'SELECT batch_id FROM OPS.LOAD_AUDIT WHERE batch_id = ?';

/** The batch's audit row, written in the load's transaction. Binds: {@link auditBinds}. */
export const AUDIT_INSERT =
  'INSERT INTO OPS.LOAD_AUDIT (batch_id, manifest_key, load_mode, order_lines, customers, products, rejects, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)';

export function auditBinds(
  batch: { batchId: string; manifestKey: string },
  mode: LoadMode,
  rows: Partial<Record<CuratedTable, number>>,
): (string | number)[] {
  return [
    batch.batchId,
    batch.manifestKey,
    mode,
    rows.order_lines ?? 0,
    rows.customers ?? 0,
    rows.products ?? 0,
    rows.order_rejects ?? 0,
  ];
}

/** One staging table's share of a batch: clear it, stage the files, check the count, MERGE. */
export interface LoadStep {
  load: TableLoad;
  files: CuratedFile[];
  /** Rows the manifest lists for this table: the staged count must equal it. */
  expectedRows: number;
  clear: string;
  /** MERGE statements (bind: the batch id); none in `tasks` mode, where the tasks MERGE. */
  merges: string[];
  /** Statements after the MERGE (bind: the batch id), in both modes: see TableLoad.replaces. */
  replaces: string[];
}

/**
 * What loading a batch does, in order, for both engines: dims before the fact, rejects last. Tables the
 * manifest lists no file for are skipped (nothing to stage, nothing to MERGE).
 */
export function planLoad(files: CuratedFile[], mode: LoadMode): LoadStep[] {
  const known = new Set(TABLE_LOADS.map((l) => l.table));
  const stray = files.find((f) => !known.has(f.table));
  if (stray) throw new ManifestMismatchError(`${stray.key}: unknown table ${stray.table}`, stray.key);
  return TABLE_LOADS.flatMap((load) => {
    const mine = files.filter((f) => f.table === load.table);
    if (mine.length === 0) return [];
    if (mode === 'tasks' && load.replaces?.length) {
      // The replace must follow the MERGE; in tasks mode the MERGE runs later, in a task, and would
      // bring removed lines back: refuse the batch rather than load a wrong state.
      throw new ConfigError(
        `${mine[0]!.key}: the batch carries whole orders (${load.table}), whose removed lines are deleted after the loader's MERGE; tasks mode cannot do that: load this source with the loader mode`,
      );
    }
    return [
      {
        load,
        files: mine,
        expectedRows: mine.reduce((sum, f) => sum + f.rows, 0),
        clear: clearStagingStatement(load),
        merges: mode === 'loader' ? load.targets.map((t) => mergeStatement(load, t)) : [],
        replaces: load.replaces ?? [],
      },
    ];
  });
}

/** COPY takes at most 1,000 names in `FILES = (...)`. */
export const COPY_MAX_FILES = 1000;
const SAFE_KEY = /^[A-Za-z0-9=_.\-/]+\.parquet$/;

/**
 * A curated key as a path relative to the external stage (whose URL is `s3://<bucket>/curated/`).
 * Manifest keys are data, not configuration, and COPY cannot bind them: they must be in the table's
 * own folder and use only `[A-Za-z0-9=_.-/]`, so they can be quoted safely.
 */
export function stagePath(file: CuratedFile): string {
  const folder = `${PREFIX.curated}${file.table}/`;
  if (!file.key.startsWith(folder) || !SAFE_KEY.test(file.key) || file.key.includes('..')) {
    throw new ManifestMismatchError(
      `${file.key} is not a Parquet file under ${folder} with a plain name; it cannot be loaded`,
      file.key,
    );
  }
  return file.key.slice(PREFIX.curated.length);
}

/**
 * Snowflake: COPY exactly the manifest's files of one table from the external stage into staging,
 * columns matched by name. FORCE = TRUE: a batch whose earlier transaction rolled back must load its
 * files again, which COPY's 64-day load history would otherwise skip; the audit row and the batch's
 * DELETE keep it idempotent instead. One statement per 1,000 files.
 */
export function copyStatements(
  load: TableLoad,
  files: CuratedFile[],
  options: { stage: string; fileFormat: string },
): string[] {
  const paths = files.map(stagePath);
  const statements: string[] = [];
  for (let i = 0; i < paths.length; i += COPY_MAX_FILES) {
    const list = paths
      .slice(i, i + COPY_MAX_FILES)
      .map((p) => `'${p}'`)
      .join(', ');
    statements.push(
      [
        `COPY INTO ${load.staging}`,
        `FROM @${options.stage}`,
        `FILES = (${list})`,
        `FILE_FORMAT = (FORMAT_NAME = '${options.fileFormat}')`,
        'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
        'ON_ERROR = ABORT_STATEMENT',
        'FORCE = TRUE',
      ].join('\n'),
    );
  }
  return statements;
}

/**
 * `sql/snowflake/R__tasks.sql`: one task per MERGE target, reading its stream with the same MERGE the
 * loader runs. Generated from this file (`npm run migrate -- --generate`) so the logic exists once; a
 * test fails when the file is stale. `{{ ... }}` are migration variables.
 */
export function tasksScript(): string {
  const lines = [
    '-- GENERATED from shared/domain/load-statements.ts by `npm run migrate -- --generate`; do not edit.',
    '-- Snowflake only. The CDC alternative to the loader-side MERGE: the loader COPYs into STAGING and',
    '-- writes OPS.LOAD_AUDIT; these tasks MERGE what the streams captured into ANALYTICS. Created for',
    "-- both load modes; resumed only when load_mode = 'tasks' (SNOWFLAKE_LOAD_MODE=tasks for the loader).",
    '',
  ];
  for (const load of TABLE_LOADS) {
    for (const target of load.targets) {
      const stream = streamName(load, target);
      lines.push(
        `CREATE OR REPLACE TASK ${taskName(target)}`,
        '  WAREHOUSE = {{ load_warehouse }}',
        "  SCHEDULE = '{{ task_schedule }}'",
        `  WHEN SYSTEM$STREAM_HAS_DATA('${stream}')`,
        'AS',
        `${mergeStatement(load, target, { stream })};`,
        '',
        `ALTER TASK ${taskName(target)} {{ task_action }};`,
        '',
      );
    }
  }
  return lines.join('\n');
}

/** The streams `R__tasks.sql` reads, in the order V1.4.0 creates them. */
export function streamsOf(): { stream: string; staging: string }[] {
  return TABLE_LOADS.flatMap((load) =>
    load.targets.map((target) => ({ stream: streamName(load, target), staging: load.staging })),
  );
}
