/** S3 key prefixes of the pipeline's zones. One place, used by every stage and by serverless.yml's filters. */
export const PREFIX = {
  landing: 'landing/',
  raw: 'raw/',
  enriched: 'enriched/',
  rejects: 'rejects/',
  curated: 'curated/',
  /** Extraction state (the PostgreSQL source's watermark): no notification, no lifecycle. */
  state: 'state/',
} as const;

/** The commit marker every stage writes last. */
export const MANIFEST_FILE = '_manifest.json';

/** Stable reason codes of rejected rows. */
export const REASON = {
  missingOrderId: 'MISSING_ORDER_ID',
  missingCustomerId: 'MISSING_CUSTOMER_ID',
  missingProductId: 'MISSING_PRODUCT_ID',
  invalidTimestamp: 'INVALID_TIMESTAMP',
  invalidCost: 'INVALID_COST',
  duplicate: 'DUPLICATE',
  invalidQuantity: 'INVALID_QUANTITY',
  invalidPrice: 'INVALID_PRICE',
  invalidDiscount: 'INVALID_DISCOUNT',
  unknownCustomer: 'UNKNOWN_CUSTOMER',
  unknownProduct: 'UNKNOWN_PRODUCT',
  invalidRecord: 'INVALID_RECORD',
  unparseable: 'UNPARSEABLE',
  totalMismatch: 'TOTAL_MISMATCH',
  invalidTotal: 'INVALID_TOTAL',
} as const;
export type ReasonCode = (typeof REASON)[keyof typeof REASON];

/** Curated tables (Parquet folders) and the warehouse tables they load into. */
export const CURATED_TABLE = {
  orderLines: 'order_lines',
  customers: 'customers',
  products: 'products',
  rejects: 'order_rejects',
  /** The orders a batch carries whole (sources that extract an order with all its lines): see load. */
  orders: 'orders',
} as const;
export type CuratedTable = (typeof CURATED_TABLE)[keyof typeof CURATED_TABLE];

/**
 * The status of an order its source deleted (a soft delete: PostgreSQL's `deleted_at`). Its lines stay
 * in the fact with this status, once; the sales views and the run summary leave them out.
 */
export const DELETED_STATUS = 'deleted';

/** Pipeline stages: the same word in the folder, the function, the queue and the log field. */
export const STAGE = ['ingest', 'enrich', 'convert', 'load'] as const;
export type Stage = (typeof STAGE)[number];

/** The analytics views (sql/R__views.sql), each with the order people read it in. */
export const ANALYTICS_VIEWS = [
  { name: 'VW_DAILY_REVENUE', orderBy: 'order_date' },
  { name: 'VW_SALES_BY_COUNTRY', orderBy: 'revenue DESC' },
  { name: 'VW_SALES_BY_CATEGORY', orderBy: 'revenue DESC' },
  { name: 'VW_TOP_CUSTOMERS', orderBy: 'revenue_rank' },
  { name: 'VW_ORDER_STATUS', orderBy: 'orders DESC' },
  { name: 'VW_SALES_BY_CHANNEL', orderBy: 'revenue DESC' },
  { name: 'VW_SALES_BY_PAYMENT_METHOD', orderBy: 'revenue DESC' },
] as const;
