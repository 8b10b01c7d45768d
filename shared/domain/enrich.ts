import { REASON, type ReasonCode } from '../constants';
import { type CostModel, costRatioFor } from './cost-model';
import { type DuplicateIndex, type DuplicateKeys, InMemoryDuplicates } from './duplicate-index';
import { type KnownDimensions, type KnownVersion, NO_KNOWN_DIMENSIONS } from './known-dimensions';
import { utcDate } from './layout';
import { applyRatio } from './money';
import { normaliseCustomer, normaliseLine, normaliseProduct } from './normalise';
import { priceLine } from './pricing';
import {
  type Checked,
  type Discount,
  discountAmount,
  discountPercent,
  type Failure,
  identifier,
  lineRevenue,
  money,
  orderTimestamp,
  quantity,
  statedTotal,
  text,
} from './rules';
import { SeenKeys } from './seen-keys';
import type {
  SourceCustomer,
  SourceOrderLine,
  SourceOrderSnapshot,
  SourceProduct,
} from './sources/source-definition';
import type { Conservation, Customer, OrderLine, OrderSnapshot, Product, RecordType, Reject } from './types';

/** A source record with where it came from: the API URL of its page, or the dropped file's key. */
export interface Sourced<T> {
  record: T;
  sourceFile: string;
}

/** What every row of a batch shares. */
export interface EnrichContext {
  source: string;
  batchId: string;
  /** ISO time of ingestion: order_ts of sources without one, and every row's ingested_at. */
  ingestedAt: string;
  costModel: CostModel;
}

/** What became of one order line: a clean row, or a reject (a duplicate is a reject of its own kind). */
export type LineOutcome =
  | { kind: 'clean'; row: OrderLine }
  | { kind: 'rejected'; reject: Reject }
  | { kind: 'duplicate'; reject: Reject };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const failure = (reason: ReasonCode, detail: string): Failure => ({ ok: false, reason, detail });
const recordVersion = <T>(known: KnownVersion<T> | undefined): T | undefined =>
  known?.origin === 'record' ? known.row : undefined;
const lineNumber = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
const keysOf = (line: SourceOrderLine, orderId: Checked<string>): DuplicateKeys => ({
  naturalKey: text(line.natural_key),
  lineKey: orderId.ok ? `${orderId.value}#${line.line_no}` : null,
});

/**
 * The keys `enrichLine` looks a line's duplicates up by, or undefined for an unparseable line (never
 * a duplicate). What a pass deciding duplicates ahead of the lines reads (stages/duplicate-spill.ts).
 */
export function duplicateKeysOf(received: SourceOrderLine): DuplicateKeys | undefined {
  if (received.unparseable) return undefined;
  const line = normaliseLine(received);
  return keysOf(line, identifier(line.order_id, REASON.missingOrderId, 'order id'));
}

/**
 * Enrich one batch, a record at a time: first its customers and products, then its order lines,
 * each joined with the latest known version of its customer and product, validated, priced in
 * integer cents, and returned as a clean row or a reject. Memory holds the dimensions and the keys
 * seen (for duplicates), never the order lines, so a caller can stream any number of them.
 *
 * Which version of a customer (or product) a line joins, best first:
 * 1. this batch's own record of it;
 * 2. an earlier batch's record of it (known dimensions);
 * 3. the version the line itself carries (self-describing events);
 * 4. a version an earlier batch's line carried.
 * @example
 * const enricher = new BatchEnricher(context, known);
 * for (const c of customers) enricher.addCustomer(c);
 * for (const p of products) enricher.addProduct(p);
 * for (const l of lines) write(enricher.enrichLine(l));
 * const { customers, products } = enricher.dimensions();
 */
export class BatchEnricher {
  private readonly batchCustomers = new Map<string, Customer>();
  private readonly batchProducts = new Map<string, Product>();
  private readonly embeddedCustomers = new Map<string, Customer>();
  private readonly embeddedProducts = new Map<string, Product>();
  /** Position of the next order line among the batch's lines (what the duplicate index is keyed by). */
  private nextLine = 0;
  private readonly seenOrders = new SeenKeys();
  private linesStarted = false;

  constructor(
    private readonly context: EnrichContext,
    private readonly known: KnownDimensions = NO_KNOWN_DIMENSIONS,
    /** Where duplicates are decided; in memory by default, bounded (spilling) in the enrich stage. */
    private readonly duplicates: DuplicateIndex = new InMemoryDuplicates(),
  ) {}

  /** Take in one customer record of the batch; returns its reject when it is not valid. */
  addCustomer(sourced: Sourced<SourceCustomer>): Reject | undefined {
    this.beforeLines('customer');
    const built = this.customerFrom(normaliseCustomer(sourced.record));
    if (!built.ok) {
      return this.reject('customer', sourced.record.raw, [built], null, sourced, sourced.record.source_line);
    }
    this.batchCustomers.set(built.value.customer_id, built.value);
    return undefined;
  }

  /** Take in one product record of the batch; returns its reject when it is not valid. */
  addProduct(sourced: Sourced<SourceProduct>): Reject | undefined {
    this.beforeLines('product');
    const built = this.productFrom(normaliseProduct(sourced.record));
    if (built.failures.length > 0 || !built.product) {
      return this.reject(
        'product',
        sourced.record.raw,
        built.failures,
        built.id,
        sourced,
        sourced.record.source_line,
      );
    }
    this.batchProducts.set(built.product.product_id, built.product);
    return undefined;
  }

  /** Validate, join and price one order line. */
  enrichLine(sourced: Sourced<SourceOrderLine>): LineOutcome {
    this.linesStarted = true;
    const seq = this.nextLine++;
    const received = sourced.record;
    if (received.unparseable) {
      const reason = failure(REASON.unparseable, received.unparseable.error);
      const reject = this.reject('order_line', null, [reason], null, sourced, received.source_line);
      return { kind: 'rejected', reject: { ...reject, raw_record: received.unparseable.raw_text } };
    }
    const line = normaliseLine(received);
    const orderId = identifier(line.order_id, REASON.missingOrderId, 'order id');
    const keys = keysOf(line, orderId);
    const recordKey = keys.naturalKey ?? keys.lineKey;

    const duplicate = this.duplicateOf(seq, keys);
    if (duplicate) {
      const reason = failure(REASON.duplicate, duplicate);
      return {
        kind: 'duplicate',
        reject: this.reject('order_line', received.raw, [reason], recordKey, sourced, received.source_line),
      };
    }

    const lineNo =
      lineNumber(line.line_no) === null
        ? failure(
            REASON.invalidRecord,
            `line number ${JSON.stringify(line.line_no)} is not a positive integer`,
          )
        : ok(line.line_no);
    const qty = quantity(line.quantity);
    const customer = this.customerOf(line);
    const product = this.productOf(line);
    const price: Checked<number> | undefined =
      line.unit_price !== null
        ? money(line.unit_price, REASON.invalidPrice, 'unit price')
        : product.ok
          ? ok(product.value.unit_price_cents)
          : undefined;
    const gross = qty.ok && price?.ok ? lineRevenue(qty.value, price.value) : undefined;
    const revenue = gross?.ok ? gross.value : undefined;
    const discount = this.discountOf(line, revenue);
    const orderTs = orderTimestamp(line.order_ts, this.context.ingestedAt);
    // The total can only be compared when the line's own figures are valid; else only its form is checked.
    const total = statedTotal(
      line.stated_total,
      revenue !== undefined && discount.ok
        ? { grossCents: revenue, netCents: revenue - applyRatio(revenue, discount.value.ratio) }
        : undefined,
    );

    // A line without a price of its own and without a known product fails as UNKNOWN_PRODUCT only.
    const checks: Checked<unknown>[] = [
      orderId,
      lineNo,
      qty,
      price ?? ok(0),
      gross ?? ok(0),
      discount,
      orderTs,
      customer,
      product,
      total,
    ];
    const failures = checks.filter((c): c is Failure => !c.ok);
    if (
      failures.length > 0 ||
      !orderId.ok ||
      !qty.ok ||
      !price?.ok ||
      revenue === undefined ||
      !discount.ok ||
      !orderTs.ok ||
      !customer.ok ||
      !product.ok
    ) {
      return {
        kind: 'rejected',
        reject: this.reject('order_line', received.raw, failures, recordKey, sourced, received.source_line),
      };
    }

    const p = product.value;
    const priced = priceLine({
      unitPriceCents: price.value,
      quantity: qty.value,
      discount: discount.value.ratio,
      sourceUnitCostCents: p.cost_source === 'source' ? p.unit_cost_cents : undefined,
      costRatio: costRatioFor(this.context.costModel, p.category),
    });
    return {
      kind: 'clean',
      row: {
        source: this.context.source,
        order_id: orderId.value,
        line_no: line.line_no,
        order_ts: orderTs.value,
        order_date: utcDate(new Date(orderTs.value)),
        status: text(line.status)?.toLowerCase() ?? 'completed',
        customer_id: customer.value.customer_id,
        product_id: p.product_id,
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
        batch_id: this.context.batchId,
        ingested_at: this.context.ingestedAt,
      },
    };
  }

  /**
   * The snapshot row of an order the source extracted whole (see `SourceDefinition.mapOrderSnapshot`),
   * or undefined when its id is missing (its lines are rejected for that) or the batch already
   * carried the order: the first one wins, as for duplicate lines.
   */
  orderSnapshot(snapshot: SourceOrderSnapshot): OrderSnapshot | undefined {
    const id = identifier(
      typeof snapshot.order_id === 'string' ? snapshot.order_id.trim() : snapshot.order_id,
      REASON.missingOrderId,
      'order id',
    );
    if (!id.ok || this.seenOrders.addOrHas(id.value)) return undefined;
    return {
      source: this.context.source,
      order_id: id.value,
      line_count: snapshot.line_count,
      batch_id: this.context.batchId,
      ingested_at: this.context.ingestedAt,
    };
  }

  /**
   * The dimension rows this batch writes: its own records, and the versions its lines carried for
   * ids no record (of this batch or an earlier one) describes; one row per id, the last seen.
   */
  dimensions(): { customers: Customer[]; products: Product[] } {
    return {
      customers: [...this.batchCustomers.values(), ...this.embeddedCustomers.values()],
      products: [...this.batchProducts.values(), ...this.embeddedProducts.values()],
    };
  }

  /** Everything known after this batch: what the next batch of the source starts from. */
  knownAfter(): KnownDimensions {
    const merge = <T>(
      known: ReadonlyMap<string, KnownVersion<T>>,
      embedded: ReadonlyMap<string, T>,
      records: ReadonlyMap<string, T>,
    ) => {
      const merged = new Map(known);
      for (const [id, row] of embedded) merged.set(id, { origin: 'embedded', row });
      for (const [id, row] of records) merged.set(id, { origin: 'record', row });
      return merged;
    };
    return {
      customers: merge(this.known.customers, this.embeddedCustomers, this.batchCustomers),
      products: merge(this.known.products, this.embeddedProducts, this.batchProducts),
    };
  }

  private beforeLines(what: string): void {
    if (this.linesStarted) throw new Error(`a ${what} record came after the first order line`);
  }

  /**
   * Why a line is a duplicate, or undefined; marks its keys as seen. The first one wins, whatever
   * became of it: a natural key (event id) or an order line (order id, line number) seen before.
   */
  private duplicateOf(seq: number, keys: DuplicateKeys): string | undefined {
    const kind = this.duplicates.check(seq, keys);
    if (kind === 'record') {
      return `record ${keys.naturalKey} seen before in this batch`;
    }
    if (kind === 'line') {
      return `order line ${keys.lineKey} seen before in this batch`;
    }
    return undefined;
  }

  private discountOf(line: SourceOrderLine, revenue: number | undefined): Checked<Discount> {
    if (line.discount_amount === null || line.discount_amount === undefined) {
      return discountPercent(line.discount_pct);
    }
    if (revenue !== undefined) return discountAmount(line.discount_amount, revenue);
    // Without a revenue the amount can only be checked for being an amount at all.
    const amount = money(line.discount_amount, REASON.invalidDiscount, 'discount amount');
    return amount.ok ? ok({ ratio: { num: 0n, den: 1n }, bp: 0 }) : amount;
  }

  private customerOf(line: SourceOrderLine): Checked<Customer> {
    const id = identifier(line.customer_id, REASON.unknownCustomer, 'customer id');
    if (!id.ok) return id;
    const found =
      this.batchCustomers.get(id.value) ??
      recordVersion(this.known.customers.get(id.value)) ??
      this.embeddedCustomer(id.value, line.customer) ??
      this.known.customers.get(id.value)?.row;
    return found ? ok(found) : failure(REASON.unknownCustomer, `customer ${id.value} is unknown`);
  }

  private productOf(line: SourceOrderLine): Checked<Product> {
    const id = identifier(line.product_id, REASON.unknownProduct, 'product id');
    if (!id.ok) return id;
    const found =
      this.batchProducts.get(id.value) ??
      recordVersion(this.known.products.get(id.value)) ??
      this.embeddedProduct(id.value, line) ??
      this.known.products.get(id.value)?.row;
    return found ? ok(found) : failure(REASON.unknownProduct, `product ${id.value} is unknown`);
  }

  /** The customer a line carries, when it is valid and its id (if any) is the line's. */
  private embeddedCustomer(id: string, carried: SourceCustomer | undefined): Customer | undefined {
    if (!carried) return undefined;
    const ownId = text(carried.customer_id);
    if (ownId !== null && ownId !== id) return undefined;
    const built = this.customerFrom({ ...carried, customer_id: id });
    if (!built.ok) return undefined;
    this.embeddedCustomers.set(id, built.value);
    return built.value;
  }

  /** The product a line carries (priced at the line's price when it states none of its own). */
  private embeddedProduct(id: string, line: SourceOrderLine): Product | undefined {
    const carried = line.product;
    if (!carried) return undefined;
    const ownId = text(carried.product_id);
    if (ownId !== null && ownId !== id) return undefined;
    const built = this.productFrom({
      ...carried,
      product_id: id,
      unit_price: carried.unit_price ?? line.unit_price,
    });
    if (!built.product) return undefined;
    this.embeddedProducts.set(id, built.product);
    return built.product;
  }

  private customerFrom(c: SourceCustomer): Checked<Customer> {
    const id = identifier(c.customer_id, REASON.missingCustomerId, 'customer id');
    if (!id.ok) return id;
    return ok({
      source: this.context.source,
      customer_id: id.value,
      first_name: text(c.first_name),
      last_name: text(c.last_name),
      email: text(c.email),
      address_line: text(c.address_line),
      city: text(c.city),
      state: text(c.state),
      country: text(c.country),
      postal_code: text(c.postal_code),
      batch_id: this.context.batchId,
      ingested_at: this.context.ingestedAt,
    });
  }

  private productFrom(p: SourceProduct): { product?: Product; failures: Failure[]; id: string | null } {
    const id = identifier(p.product_id, REASON.missingProductId, 'product id');
    const price = money(p.unit_price, REASON.invalidPrice, 'price');
    const cost =
      p.unit_cost === undefined || p.unit_cost === null
        ? undefined
        : money(p.unit_cost, REASON.invalidCost, 'cost');
    const failures = [id, price, cost].filter((c): c is Failure => c !== undefined && !c.ok);
    if (!id.ok || !price.ok || (cost && !cost.ok)) return { failures, id: id.ok ? id.value : null };
    const category = text(p.category);
    return {
      failures,
      id: id.value,
      product: {
        source: this.context.source,
        product_id: id.value,
        title: text(p.title),
        category,
        brand: text(p.brand),
        unit_price_cents: price.value,
        unit_cost_cents: cost?.ok
          ? cost.value
          : applyRatio(price.value, costRatioFor(this.context.costModel, category)),
        cost_source: cost?.ok ? 'source' : 'model',
        batch_id: this.context.batchId,
        ingested_at: this.context.ingestedAt,
      },
    };
  }

  private reject(
    type: RecordType,
    raw: unknown,
    failures: Failure[],
    key: string | null,
    sourced: { sourceFile: string },
    sourceLine: unknown,
  ): Reject {
    return {
      source: this.context.source,
      batch_id: this.context.batchId,
      record_type: type,
      reason_code: failures[0]!.reason,
      reason_codes: [...new Set(failures.map((f) => f.reason))].join(','),
      reason_detail: failures.map((f) => f.detail).join('; '),
      raw_record: JSON.stringify(raw ?? null),
      record_key: key,
      source_file: sourced.sourceFile,
      source_line: lineNumber(sourceLine),
      ingested_at: this.context.ingestedAt,
    };
  }
}

/**
 * Counts of what became of a batch's order lines, kept as the outcomes are written (not derived
 * from the input), so the caller can check conservation instead of assuming it.
 */
export class OutcomeTally {
  clean = 0;
  rejected = 0;
  duplicates = 0;
  /** Rejected and duplicate order lines by first reason code. */
  readonly byReason: Record<string, number> = {};

  count(outcome: LineOutcome): void {
    if (outcome.kind === 'clean') {
      this.clean += 1;
      return;
    }
    if (outcome.kind === 'duplicate') this.duplicates += 1;
    else this.rejected += 1;
    const reason = outcome.reject.reason_code;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
  }

  conservation(rowsIn: number): Conservation {
    return { rows_in: rowsIn, clean: this.clean, rejected: this.rejected, duplicates: this.duplicates };
  }
}

/** True when the order-line counts add up: rows_in = clean + rejected + duplicates. */
export function conserves(c: Conservation): boolean {
  return c.rows_in === c.clean + c.rejected + c.duplicates;
}

export interface EnrichInput extends EnrichContext {
  customers: Sourced<SourceCustomer>[];
  products: Sourced<SourceProduct>[];
  lines: Sourced<SourceOrderLine>[];
  /** Dimensions known from earlier batches of the source. */
  known?: KnownDimensions;
}

export interface EnrichResult {
  orderLines: OrderLine[];
  customers: Customer[];
  products: Product[];
  /** Rejected dimension records first, then rejected and duplicate order lines, in input order. */
  rejects: Reject[];
  /** Order-line conservation: rows_in = clean + rejected + duplicates. */
  conservation: Conservation;
  /** Rejected order lines and duplicates by first reason code. */
  rejectsByReason: Record<string, number>;
  /** Everything known after this batch. */
  known: KnownDimensions;
}

/**
 * Enrich a batch held in memory (tests, small inputs); the enrich stage streams the same steps.
 * Pure: the same input always gives the same output.
 */
export function enrichBatch(input: EnrichInput): EnrichResult {
  const enricher = new BatchEnricher(input, input.known);
  const rejects: Reject[] = [];
  for (const c of input.customers) {
    const reject = enricher.addCustomer(c);
    if (reject) rejects.push(reject);
  }
  for (const p of input.products) {
    const reject = enricher.addProduct(p);
    if (reject) rejects.push(reject);
  }
  const orderLines: OrderLine[] = [];
  const tally = new OutcomeTally();
  for (const line of input.lines) {
    const outcome = enricher.enrichLine(line);
    tally.count(outcome);
    if (outcome.kind === 'clean') orderLines.push(outcome.row);
    else rejects.push(outcome.reject);
  }
  const { customers, products } = enricher.dimensions();
  return {
    orderLines,
    customers,
    products,
    rejects,
    conservation: { ...tally.conservation(input.lines.length), clean: orderLines.length },
    rejectsByReason: tally.byReason,
    known: enricher.knownAfter(),
  };
}
