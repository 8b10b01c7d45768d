import { REASON, type ReasonCode } from '../constants';
import { type CostModel, costRatioFor } from './cost-model';
import { utcDate } from './layout';
import { applyRatio } from './money';
import { priceLine } from './pricing';
import { type Checked, discountPercent, identifier, money, quantity, text, timestamp } from './rules';
import type { SourceCustomer, SourceOrderLine, SourceProduct } from './sources/source-definition';
import type { Conservation, Customer, OrderLine, Product, RecordType, Reject } from './types';

/** A source record with the file (or URL) it came from. */
export interface Sourced<T> {
  record: T;
  sourceFile: string;
}

export interface EnrichInput {
  source: string;
  batchId: string;
  /** ISO time of ingestion: order_ts of sources without one, and every row's ingested_at. */
  ingestedAt: string;
  costModel: CostModel;
  customers: Sourced<SourceCustomer>[];
  products: Sourced<SourceProduct>[];
  lines: Sourced<SourceOrderLine>[];
  /** Dimensions known from earlier batches; this batch's versions win. */
  knownCustomers?: ReadonlyMap<string, Customer>;
  knownProducts?: ReadonlyMap<string, Product>;
}

export interface EnrichResult {
  orderLines: OrderLine[];
  customers: Customer[];
  products: Product[];
  rejects: Reject[];
  /** Order-line conservation: rows_in = clean + rejected + duplicates. */
  conservation: Conservation;
  /** Rejected order lines and duplicates by first reason code. */
  rejectsByReason: Record<string, number>;
}

type Failure = Extract<Checked<unknown>, { ok: false }>;

/**
 * Join order lines with customers and products, validate, price, and split clean rows from rejects.
 * Pure: the same input always gives the same output. Conservation holds by construction and is
 * checked by the caller before anything is written.
 */
export function enrichBatch(input: EnrichInput): EnrichResult {
  const rejects: Reject[] = [];
  const reject = (
    type: RecordType,
    sourced: Sourced<{ raw: unknown }>,
    failures: Failure[],
    key: string | null,
  ) => {
    rejects.push({
      source: input.source,
      batch_id: input.batchId,
      record_type: type,
      reason_code: failures[0]!.reason,
      reason_codes: [...new Set(failures.map((f) => f.reason))].join(','),
      reason_detail: failures.map((f) => f.detail).join('; '),
      raw_record: JSON.stringify(sourced.record.raw ?? null),
      record_key: key,
      source_file: sourced.sourceFile,
      ingested_at: input.ingestedAt,
    });
  };

  const customers = new Map(input.knownCustomers);
  const batchCustomers = new Map<string, Customer>();
  for (const sourced of input.customers) {
    const c = sourced.record;
    const id = identifier(c.customer_id, REASON.missingCustomerId, 'customer id');
    if (!id.ok) {
      reject('customer', sourced, [id], null);
      continue;
    }
    const customer: Customer = {
      source: input.source,
      customer_id: id.value,
      first_name: text(c.first_name),
      last_name: text(c.last_name),
      email: text(c.email),
      address_line: text(c.address_line),
      city: text(c.city),
      state: text(c.state),
      country: text(c.country),
      postal_code: text(c.postal_code),
      batch_id: input.batchId,
      ingested_at: input.ingestedAt,
    };
    customers.set(id.value, customer);
    batchCustomers.set(id.value, customer);
  }

  const products = new Map(input.knownProducts);
  const batchProducts = new Map<string, Product>();
  for (const sourced of input.products) {
    const p = sourced.record;
    const id = identifier(p.product_id, REASON.missingProductId, 'product id');
    const price = money(p.unit_price, REASON.invalidPrice, 'price');
    const cost =
      p.unit_cost === undefined || p.unit_cost === null
        ? undefined
        : money(p.unit_cost, REASON.invalidCost, 'cost');
    const failures = [id, price, cost].filter((c): c is Failure => c !== undefined && !c.ok);
    if (!id.ok || !price.ok || (cost && !cost.ok)) {
      reject('product', sourced, failures, id.ok ? id.value : null);
      continue;
    }
    const category = text(p.category);
    const product: Product = {
      source: input.source,
      product_id: id.value,
      title: text(p.title),
      category,
      brand: text(p.brand),
      unit_price_cents: price.value,
      unit_cost_cents: cost?.ok
        ? cost.value
        : applyRatio(price.value, costRatioFor(input.costModel, category)),
      cost_source: cost?.ok ? 'source' : 'model',
      batch_id: input.batchId,
      ingested_at: input.ingestedAt,
    };
    products.set(id.value, product);
    batchProducts.set(id.value, product);
  }

  const orderLines: OrderLine[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let rejected = 0;
  const rejectsByReason: Record<string, number> = {};
  const count = (reason: ReasonCode) => {
    rejectsByReason[reason] = (rejectsByReason[reason] ?? 0) + 1;
  };

  for (const sourced of input.lines) {
    const line = sourced.record;
    const orderId = identifier(line.order_id, REASON.missingOrderId, 'order id');
    const key = orderId.ok ? `${orderId.value}#${line.line_no}` : null;
    if (key !== null && seen.has(key)) {
      duplicates += 1;
      count(REASON.duplicate);
      reject(
        'order_line',
        sourced,
        [{ ok: false, reason: REASON.duplicate, detail: `line ${key} seen before in this batch` }],
        key,
      );
      continue;
    }
    if (key !== null) seen.add(key);

    const customerId = identifier(line.customer_id, REASON.unknownCustomer, 'customer id');
    const customer = customerId.ok ? customers.get(customerId.value) : undefined;
    const productId = identifier(line.product_id, REASON.unknownProduct, 'product id');
    const product = productId.ok ? products.get(productId.value) : undefined;
    const qty = quantity(line.quantity);
    const price = money(line.unit_price, REASON.invalidPrice, 'unit price');
    const discount = discountPercent(line.discount_pct);
    const orderTs = timestamp(line.order_ts, input.ingestedAt);

    const failures: Failure[] = [];
    for (const check of [orderId, qty, price, discount, orderTs]) if (!check.ok) failures.push(check);
    if (customerId.ok && !customer) {
      failures.push({
        ok: false,
        reason: REASON.unknownCustomer,
        detail: `customer ${customerId.value} is unknown`,
      });
    } else if (!customerId.ok) failures.push(customerId);
    if (productId.ok && !product) {
      failures.push({
        ok: false,
        reason: REASON.unknownProduct,
        detail: `product ${productId.value} is unknown`,
      });
    } else if (!productId.ok) failures.push(productId);

    if (
      failures.length > 0 ||
      !orderId.ok ||
      !qty.ok ||
      !price.ok ||
      !discount.ok ||
      !orderTs.ok ||
      !customer ||
      !product
    ) {
      rejected += 1;
      count(failures[0]!.reason);
      reject('order_line', sourced, failures, key);
      continue;
    }

    const priced = priceLine({
      unitPriceCents: price.value,
      quantity: qty.value,
      discount: discount.value.ratio,
      sourceUnitCostCents: product.cost_source === 'source' ? product.unit_cost_cents : undefined,
      costRatio: costRatioFor(input.costModel, product.category),
    });
    orderLines.push({
      source: input.source,
      order_id: orderId.value,
      line_no: line.line_no,
      order_ts: orderTs.value,
      order_date: utcDate(new Date(orderTs.value)),
      status: text(line.status)?.toLowerCase() ?? 'completed',
      customer_id: customer.customer_id,
      product_id: product.product_id,
      quantity: qty.value,
      unit_price_cents: price.value,
      discount_bp: discount.value.bp,
      revenue_cents: priced.revenueCents,
      discount_cents: priced.discountCents,
      net_revenue_cents: priced.netRevenueCents,
      unit_cost_cents: priced.unitCostCents,
      cost_cents: priced.costCents,
      profit_cents: priced.profitCents,
      net_profit_cents: priced.netProfitCents,
      channel: text(line.channel),
      payment_method: text(line.payment_method),
      source_file: sourced.sourceFile,
      batch_id: input.batchId,
      ingested_at: input.ingestedAt,
    });
  }

  return {
    orderLines,
    customers: [...batchCustomers.values()],
    products: [...batchProducts.values()],
    rejects,
    conservation: { rows_in: input.lines.length, clean: orderLines.length, rejected, duplicates },
    rejectsByReason,
  };
}

/** True when the order-line counts add up. */
export function conserves(c: Conservation): boolean {
  return c.rows_in === c.clean + c.rejected + c.duplicates;
}
