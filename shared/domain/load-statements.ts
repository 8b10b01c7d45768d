import { CURATED_TABLE, type CuratedTable } from '../constants';
import { TABLE_COLUMNS } from './tables';

/**
 * The loader's SQL, written once for Snowflake and DuckDB: each curated table lands in a STAGING
 * table (COPY INTO on Snowflake, read_parquet on DuckDB), then MERGEs into ANALYTICS on its natural
 * key, so replaying a batch changes nothing. Statements take the batch id as the only bind (`?`).
 */
export interface TableLoad {
  table: CuratedTable;
  staging: string;
  /** Target of the MERGE; rejects are appended instead (no natural key of their own). */
  target?: { name: string; key: string[] };
}

export const TABLE_LOADS: TableLoad[] = [
  {
    table: CURATED_TABLE.customers,
    staging: 'STAGING.CUSTOMERS_LOAD',
    target: { name: 'ANALYTICS.DIM_CUSTOMER', key: ['source', 'customer_id'] },
  },
  {
    table: CURATED_TABLE.products,
    staging: 'STAGING.PRODUCTS_LOAD',
    target: { name: 'ANALYTICS.DIM_PRODUCT', key: ['source', 'product_id'] },
  },
  {
    table: CURATED_TABLE.orderLines,
    staging: 'STAGING.ORDER_LINES_LOAD',
    target: { name: 'ANALYTICS.FACT_ORDER_LINES', key: ['source', 'order_id', 'line_no'] },
  },
  { table: CURATED_TABLE.rejects, staging: 'STAGING.ORDER_REJECTS' },
];

/** Column names of a curated table, in file order. */
export function columnsOf(table: CuratedTable): string[] {
  return TABLE_COLUMNS[table].map((c) => c.name);
}

/**
 * MERGE one batch from staging into its target on the natural key. Within a batch the staging
 * rows are unique on the key (enrich deduplicates), so the MERGE is deterministic.
 */
export function mergeStatement(load: TableLoad): string {
  if (!load.target) throw new Error(`${load.table} has no merge target`);
  const columns = columnsOf(load.table);
  const keys = load.target.key;
  const on = keys.map((k) => `t.${k} = s.${k}`).join(' AND ');
  const updates = columns.filter((c) => !keys.includes(c)).map((c) => `${c} = s.${c}`);
  return [
    `MERGE INTO ${load.target.name} t`,
    `USING (SELECT ${columns.join(', ')} FROM ${load.staging} WHERE batch_id = ?) s`,
    `ON ${on}`,
    `WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}`,
    `WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
  ].join('\n');
}

/** Remove a batch's earlier staging rows, so a retried load starts clean. */
export function clearStagingStatement(load: TableLoad): string {
  return `DELETE FROM ${load.staging} WHERE batch_id = ?`;
}
