import type { OrderLine } from '../shared/domain/types';

/**
 * Seeded enriched order lines (the canonical OrderLine shape enrich writes), for the bench and for
 * tests that need volume. Same seed, same rows; money in integer cents, derived the way pricing
 * does it, so sums can be checked to the cent.
 */
export interface OrderLineOptions {
  seed?: number;
  /** Distinct order dates the lines spread over, in random order (not sorted). */
  days?: number;
  /** First order date, YYYY-MM-DD. */
  firstDate?: string;
  batchId?: string;
}

const STATUSES = ['completed', 'completed', 'completed', 'shipped', 'cancelled', 'returned'] as const;
const CHANNELS = ['web', 'mobile', 'marketplace', 'email', null] as const;
const PAYMENTS = ['card', 'paypal', 'bank_transfer', 'cash_on_delivery', null] as const;

/** mulberry32, as in local/generator.ts: tiny, fast and identical on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` order lines, generated lazily so the caller decides what is held in memory. */
export function* orderLines(count: number, options: OrderLineOptions = {}): Generator<OrderLine> {
  const random = seededRandom(options.seed ?? 42);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const days = options.days ?? 30;
  const first = Date.parse(`${options.firstDate ?? '2026-10-01'}T00:00:00Z`);
  const batchId = options.batchId ?? 'bench-20261126T030000Z';
  const ingestedAt = '2026-11-26T03:00:05.123Z';
  let order = 0;
  let lineNo = 0;
  let linesInOrder = 0;
  let orderTs = '';
  let customer = '';
  let status = '';
  let channel: string | null = null;
  let payment: string | null = null;
  for (let i = 0; i < count; i += 1) {
    if (lineNo === linesInOrder) {
      order += 1;
      lineNo = 0;
      linesInOrder = int(1, 5);
      orderTs = new Date(first + int(0, days - 1) * 86_400_000 + int(0, 86_399_999)).toISOString();
      customer = String(int(1, 5000));
      status = pick(STATUSES);
      channel = pick(CHANNELS);
      payment = pick(PAYMENTS);
    }
    lineNo += 1;
    const quantity = int(1, 6);
    const unitPrice = int(99, 250_000);
    const discountBp = random() < 0.3 ? int(1, 2000) : 0;
    const revenue = unitPrice * quantity;
    const discount = Math.round((revenue * discountBp) / 10_000);
    const unitCost = Math.round(unitPrice * 0.6);
    const cost = unitCost * quantity;
    yield {
      source: 'dummyjson',
      order_id: String(order),
      line_no: lineNo,
      order_ts: orderTs,
      order_date: orderTs.slice(0, 10),
      status,
      customer_id: customer,
      product_id: String(int(1, 2000)),
      quantity,
      unit_price_cents: unitPrice,
      discount_bp: discountBp,
      revenue_cents: revenue,
      discount_cents: discount,
      net_revenue_cents: revenue - discount,
      unit_cost_cents: unitCost,
      cost_cents: cost,
      profit_cents: revenue - cost,
      net_profit_cents: revenue - discount - cost,
      channel,
      payment_method: payment,
      source_file: `s3://raw/raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/orders/part-${String(Math.floor(order / 100)).padStart(5, '0')}.json`,
      batch_id: batchId,
      ingested_at: ingestedAt,
    };
  }
}
