import type { Warehouse } from '../shared/adapters/warehouse';
import { DELETED_STATUS, REASON } from '../shared/constants';
import { centsToUnits, toCents } from '../shared/domain/money';

/** What `npm start` reports for its batches, read back from the warehouse. Money in currency units, exact to the cent. */
export interface RunSummary {
  batches: string[];
  /** Orders with sales: lines of deleted orders (status `deleted`) are counted in `deletedOrders` only. */
  orders: number;
  orderLines: number;
  revenue: number;
  discount: number;
  netRevenue: number;
  cost: number;
  profit: number;
  /** profit / revenue, 0..1 (0 when there is no revenue). */
  margin: number;
  /** Rejected order lines (duplicates not included). */
  rejected: number;
  duplicates: number;
  /** Rejected order lines by reason code; sums to `rejected`. */
  rejectsByReason: Record<string, number>;
  /** Customer and product records rejected (their lines are rejected as unknown). */
  rejectedDimensionRecords: number;
  /** Orders whose source deleted them (a soft delete): in the fact with status `deleted`, not in the sales. */
  deletedOrders: number;
}

const cents = (value: unknown): number => toCents(value ?? '0') ?? Number.NaN;

/**
 * Summarise the given batches from the fact and rejects tables: what the fact holds now of the lines
 * those batches loaded (a later batch that re-extracted an order owns its lines from then on).
 */
export async function summarise(warehouse: Warehouse, batchIds: string[]): Promise<RunSummary> {
  const list = batchIds.length > 0 ? batchIds : [''];
  const placeholders = list.map(() => '?').join(', ');
  const [fact] = await warehouse.query(
    `SELECT COUNT(DISTINCT CASE WHEN status <> ? THEN source || ':' || order_id END) AS orders,
            COUNT(DISTINCT CASE WHEN status = ? THEN source || ':' || order_id END) AS deleted_orders,
            COUNT(*) FILTER (WHERE status <> ?) AS order_lines,
            CAST(COALESCE(SUM(revenue) FILTER (WHERE status <> ?), 0) AS VARCHAR) AS revenue,
            CAST(COALESCE(SUM(discount_amount) FILTER (WHERE status <> ?), 0) AS VARCHAR) AS discount,
            CAST(COALESCE(SUM(net_revenue) FILTER (WHERE status <> ?), 0) AS VARCHAR) AS net_revenue,
            CAST(COALESCE(SUM(cost) FILTER (WHERE status <> ?), 0) AS VARCHAR) AS cost,
            CAST(COALESCE(SUM(profit) FILTER (WHERE status <> ?), 0) AS VARCHAR) AS profit
     FROM ANALYTICS.FACT_ORDER_LINES WHERE batch_id IN (${placeholders})`,
    [...Array<string>(8).fill(DELETED_STATUS), ...list],
  );
  const rejects = await warehouse.query(
    `SELECT record_type, reason_code, COUNT(*) AS n FROM STAGING.ORDER_REJECTS
     WHERE batch_id IN (${placeholders}) GROUP BY record_type, reason_code ORDER BY reason_code`,
    list,
  );
  const rejectsByReason: Record<string, number> = {};
  let rejected = 0;
  let duplicates = 0;
  let rejectedDimensionRecords = 0;
  for (const row of rejects) {
    const n = Number(row.n);
    if (row.record_type !== 'order_line') rejectedDimensionRecords += n;
    else if (row.reason_code === REASON.duplicate) duplicates += n;
    else {
      rejected += n;
      rejectsByReason[String(row.reason_code)] = n;
    }
  }
  const revenueCents = cents(fact?.revenue);
  const profitCents = cents(fact?.profit);
  return {
    batches: batchIds,
    orders: Number(fact?.orders ?? 0),
    orderLines: Number(fact?.order_lines ?? 0),
    revenue: centsToUnits(revenueCents),
    discount: centsToUnits(cents(fact?.discount)),
    netRevenue: centsToUnits(cents(fact?.net_revenue)),
    cost: centsToUnits(cents(fact?.cost)),
    profit: centsToUnits(profitCents),
    margin: revenueCents === 0 ? 0 : Math.round((profitCents / revenueCents) * 10_000) / 10_000,
    rejected,
    duplicates,
    rejectsByReason,
    rejectedDimensionRecords,
    deletedOrders: Number(fact?.deleted_orders ?? 0),
  };
}
