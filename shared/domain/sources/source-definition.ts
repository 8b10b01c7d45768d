/**
 * What a source module provides: how its API pages look and how its records map to the
 * canonical model. Fields are left `unknown` here on purpose: the rules module validates them and
 * turns every problem into a reason code, so one bad record never fails a page.
 */

export interface SourceCustomer {
  customer_id: unknown;
  first_name?: unknown;
  last_name?: unknown;
  email?: unknown;
  address_line?: unknown;
  city?: unknown;
  state?: unknown;
  country?: unknown;
  postal_code?: unknown;
  /** Line number in the source file, when the record came from a file (CSV). */
  source_line?: number;
  raw: unknown;
}

export interface SourceProduct {
  product_id: unknown;
  title?: unknown;
  category?: unknown;
  brand?: unknown;
  unit_price: unknown;
  /** The source's own unit cost, when it has one. */
  unit_cost?: unknown;
  /** Line number in the source file, when the record came from a file (CSV). */
  source_line?: number;
  raw: unknown;
}

export interface SourceOrderLine {
  order_id: unknown;
  line_no: number;
  /** Order timestamp from the source; absent: the ingestion time. */
  order_ts?: unknown;
  /** Status from the source; absent: `completed`. */
  status?: unknown;
  customer_id: unknown;
  product_id: unknown;
  quantity: unknown;
  unit_price: unknown;
  /** Discount in percent (0..100). */
  discount_pct?: unknown;
  /** Discount as an amount of money (e.g. a file event's `discount_amount`); wins over `discount_pct`. */
  discount_amount?: unknown;
  channel?: unknown;
  payment_method?: unknown;
  /** The line total as the source states it (checked against quantity x unit price, before or after discount). */
  stated_total?: unknown;
  /** The source's own natural key of the line (e.g. a file event's `event_id`), when it has one. */
  natural_key?: unknown;
  /** Line number in the source file, when the record came from a file. */
  source_line?: number;
  /** Set when the record could not be parsed: it is rejected with its raw text, never dropped. */
  unparseable?: { raw_text: string; error: string };
  /**
   * Self-describing records (file-drop events) carry their customer and product: enrich uses them
   * where the batch and earlier batches know no better version.
   */
  customer?: SourceCustomer;
  product?: SourceProduct;
  /** The record as received (for a cart line: the line with its cart's id and user). */
  raw: unknown;
}

export type Entity = 'customers' | 'products' | 'orders';

/**
 * How ingest reads a source: an HTTP API on a schedule, files dropped in `landing/`, or a database
 * extracted incrementally on a schedule.
 */
export type SourceKind = 'api' | 'files' | 'database';

/** An order as a source that extracts orders whole states it: its id and how many lines it has now. */
export interface SourceOrderSnapshot {
  order_id: unknown;
  line_count: number;
}

export interface SourceDefinition {
  /** Source name: the `source=` partition and the `source` column. */
  name: string;
  kind: SourceKind;
  /** API path (or landing pattern, or table) of each entity, e.g. `{ customers: '/users', ... }`. */
  paths: Record<Entity, string>;
  /** How the API pages: DummyJSON's limit/skip/total, or one response with everything. */
  paging: 'limit-skip' | 'none';
  /** The records of one response body of an entity; throws when the body is not the expected shape. */
  recordsOf(
    entity: Entity,
    body: unknown,
  ): { records: unknown[]; total?: number; skip?: number; limit?: number };
  mapCustomer(raw: unknown): SourceCustomer;
  mapProduct(raw: unknown): SourceProduct;
  /** One order (cart) into its lines; an order without lines yields none. */
  mapOrder(raw: unknown): SourceOrderLine[];
  /**
   * Only for sources whose order records carry every line the order has now (a database read):
   * the order itself, so the warehouse can drop lines the source removed. Sources whose orders may
   * arrive in pieces (file drops) leave it out.
   */
  mapOrderSnapshot?(raw: unknown): SourceOrderSnapshot;
}
