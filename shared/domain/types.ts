/**
 * The canonical model every source maps into. Field names are the warehouse's column names
 * (snake_case); money is integer cents in `*_cents` fields, written as DECIMAL(12,2) by convert.
 */

export interface Customer {
  source: string;
  customer_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  address_line: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  postal_code: string | null;
  batch_id: string;
  ingested_at: string;
}

export interface Product {
  source: string;
  product_id: string;
  title: string | null;
  category: string | null;
  brand: string | null;
  unit_price_cents: number;
  unit_cost_cents: number;
  /** Where the cost came from: the source's own figure or the configured cost model. */
  cost_source: 'source' | 'model';
  batch_id: string;
  ingested_at: string;
}

export interface OrderLine {
  source: string;
  order_id: string;
  line_no: number;
  /** ISO-8601 UTC timestamp. */
  order_ts: string;
  /** YYYY-MM-DD (UTC) of order_ts: the Parquet partition. */
  order_date: string;
  status: string;
  customer_id: string;
  product_id: string;
  quantity: number;
  unit_price_cents: number;
  /** Discount in hundredths of a percent (12.34 % = 1234). */
  discount_bp: number;
  revenue_cents: number;
  discount_cents: number;
  net_revenue_cents: number;
  unit_cost_cents: number;
  cost_cents: number;
  profit_cents: number;
  net_profit_cents: number;
  channel: string | null;
  payment_method: string | null;
  source_file: string;
  batch_id: string;
  ingested_at: string;
}

/**
 * An order a batch carries whole: the source extracted it with every line it has now (PostgreSQL).
 * The loader replaces the order's lines with the batch's, so a line removed at the source leaves
 * the warehouse too. `line_count` is the lines the source had, valid or not.
 */
export interface OrderSnapshot {
  source: string;
  order_id: string;
  line_count: number;
  batch_id: string;
  ingested_at: string;
}

export type RecordType = 'order_line' | 'customer' | 'product';

export interface Reject {
  source: string;
  batch_id: string;
  record_type: RecordType;
  /** First reason: what rejects are counted by. */
  reason_code: string;
  /** All reasons, comma separated. */
  reason_codes: string;
  reason_detail: string;
  /** The record as received: JSON of the parsed record, or the verbatim text of an unparseable one. */
  raw_record: string;
  /** Natural key of the record (`order_id#line_no`, or the source's own key such as an event id). */
  record_key: string | null;
  /** Where the record came from: the API URL of its page, or the key of the dropped file. */
  source_file: string;
  /** 1-based line number in the source file, where the record came from a file. */
  source_line: number | null;
  ingested_at: string;
}

/** Counts recorded in every enrich manifest: rows_in = clean + rejected + duplicates. */
export interface Conservation {
  rows_in: number;
  clean: number;
  rejected: number;
  duplicates: number;
}
