import { CURATED_TABLE, type CuratedTable } from '../constants';
import type { Customer, OrderLine, OrderSnapshot, Product, Reject } from './types';

/**
 * Column layout of every curated table: names match the warehouse columns (so COPY INTO ...
 * MATCH_BY_COLUMN_NAME works), types are the Parquet logical types. Money is DECIMAL(12,2) built
 * from integer cents; timestamps are UTC microseconds; dates are DATE.
 */
export type ColumnKind = 'string' | 'int32' | 'decimal' | 'date' | 'timestamp';

export interface ColumnSpec<Row> {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** DECIMAL precision and scale. */
  precision?: number;
  scale?: number;
  /** Value of the column for a row: cents/bp as integers for decimals, ISO text for date/time. */
  value(row: Row): string | number | null;
}

const str = <R>(name: string, get: (r: R) => string | null, nullable = true): ColumnSpec<R> => ({
  name,
  kind: 'string',
  nullable,
  value: get,
});
const int = <R>(name: string, get: (r: R) => number): ColumnSpec<R> => ({
  name,
  kind: 'int32',
  nullable: false,
  value: get,
});
const money = <R>(name: string, get: (r: R) => number): ColumnSpec<R> => ({
  name,
  kind: 'decimal',
  precision: 12,
  scale: 2,
  nullable: false,
  value: get,
});
const ts = <R>(name: string, get: (r: R) => string): ColumnSpec<R> => ({
  name,
  kind: 'timestamp',
  nullable: false,
  value: get,
});

export const ORDER_LINE_COLUMNS: ColumnSpec<OrderLine>[] = [
  str('source', (r) => r.source, false),
  str('order_id', (r) => r.order_id, false),
  int('line_no', (r) => r.line_no),
  ts('order_ts', (r) => r.order_ts),
  { name: 'order_date', kind: 'date', nullable: false, value: (r) => r.order_date },
  str('status', (r) => r.status, false),
  str('customer_id', (r) => r.customer_id, false),
  str('product_id', (r) => r.product_id, false),
  int('quantity', (r) => r.quantity),
  money('unit_price', (r) => r.unit_price_cents),
  {
    name: 'discount_pct',
    kind: 'decimal',
    precision: 5,
    scale: 2,
    nullable: false,
    value: (r) => r.discount_bp,
  },
  money('revenue', (r) => r.revenue_cents),
  money('discount_amount', (r) => r.discount_cents),
  money('net_revenue', (r) => r.net_revenue_cents),
  money('unit_cost', (r) => r.unit_cost_cents),
  money('cost', (r) => r.cost_cents),
  money('profit', (r) => r.profit_cents),
  money('net_profit', (r) => r.net_profit_cents),
  str('channel', (r) => r.channel),
  str('payment_method', (r) => r.payment_method),
  str('source_file', (r) => r.source_file, false),
  str('batch_id', (r) => r.batch_id, false),
  ts('ingested_at', (r) => r.ingested_at),
];

export const CUSTOMER_COLUMNS: ColumnSpec<Customer>[] = [
  str('source', (r) => r.source, false),
  str('customer_id', (r) => r.customer_id, false),
  str('first_name', (r) => r.first_name),
  str('last_name', (r) => r.last_name),
  str('email', (r) => r.email),
  str('address_line', (r) => r.address_line),
  str('city', (r) => r.city),
  str('state', (r) => r.state),
  str('country', (r) => r.country),
  str('postal_code', (r) => r.postal_code),
  str('batch_id', (r) => r.batch_id, false),
  ts('ingested_at', (r) => r.ingested_at),
];

export const PRODUCT_COLUMNS: ColumnSpec<Product>[] = [
  str('source', (r) => r.source, false),
  str('product_id', (r) => r.product_id, false),
  str('title', (r) => r.title),
  str('category', (r) => r.category),
  str('brand', (r) => r.brand),
  money('unit_price', (r) => r.unit_price_cents),
  money('unit_cost', (r) => r.unit_cost_cents),
  str('cost_source', (r) => r.cost_source, false),
  str('batch_id', (r) => r.batch_id, false),
  ts('ingested_at', (r) => r.ingested_at),
];

export const REJECT_COLUMNS: ColumnSpec<Reject>[] = [
  str('source', (r) => r.source, false),
  str('batch_id', (r) => r.batch_id, false),
  str('record_type', (r) => r.record_type, false),
  str('reason_code', (r) => r.reason_code, false),
  str('reason_codes', (r) => r.reason_codes, false),
  str('reason_detail', (r) => r.reason_detail, false),
  str('raw_record', (r) => r.raw_record, false),
  str('record_key', (r) => r.record_key),
  str('source_file', (r) => r.source_file, false),
  { name: 'source_line', kind: 'int32', nullable: true, value: (r) => r.source_line ?? null },
  ts('ingested_at', (r) => r.ingested_at),
];

export const ORDER_SNAPSHOT_COLUMNS: ColumnSpec<OrderSnapshot>[] = [
  str('source', (r) => r.source, false),
  str('order_id', (r) => r.order_id, false),
  int('line_count', (r) => r.line_count),
  str('batch_id', (r) => r.batch_id, false),
  ts('ingested_at', (r) => r.ingested_at),
];

/** Columns of each curated table (rows typed loosely: the NDJSON lines enrich wrote). */
export const TABLE_COLUMNS: Record<CuratedTable, ColumnSpec<never>[]> = {
  [CURATED_TABLE.orderLines]: ORDER_LINE_COLUMNS as ColumnSpec<never>[],
  [CURATED_TABLE.customers]: CUSTOMER_COLUMNS as ColumnSpec<never>[],
  [CURATED_TABLE.products]: PRODUCT_COLUMNS as ColumnSpec<never>[],
  [CURATED_TABLE.rejects]: REJECT_COLUMNS as ColumnSpec<never>[],
  [CURATED_TABLE.orders]: ORDER_SNAPSHOT_COLUMNS as ColumnSpec<never>[],
};
