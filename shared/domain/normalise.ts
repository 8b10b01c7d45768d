import type { SourceCustomer, SourceOrderLine, SourceProduct } from './sources/source-definition';

/**
 * Normalisation that runs before any rule: strings are trimmed, and absent fields, `null` and
 * blank strings all become `null`, so every rule sees one spelling of "no value". Numbers,
 * booleans and objects pass through unchanged (the rules judge them). `raw` is never touched: it
 * is what rejects carry, exactly as received.
 */
export function normaliseValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** A customer with its fields normalised. */
export function normaliseCustomer(c: SourceCustomer): SourceCustomer {
  return {
    customer_id: normaliseValue(c.customer_id),
    first_name: normaliseValue(c.first_name),
    last_name: normaliseValue(c.last_name),
    email: normaliseValue(c.email),
    address_line: normaliseValue(c.address_line),
    city: normaliseValue(c.city),
    state: normaliseValue(c.state),
    country: normaliseValue(c.country),
    postal_code: normaliseValue(c.postal_code),
    ...(c.source_line === undefined ? {} : { source_line: c.source_line }),
    raw: c.raw,
  };
}

/** A product with its fields normalised. */
export function normaliseProduct(p: SourceProduct): SourceProduct {
  return {
    product_id: normaliseValue(p.product_id),
    title: normaliseValue(p.title),
    category: normaliseValue(p.category),
    brand: normaliseValue(p.brand),
    unit_price: normaliseValue(p.unit_price),
    unit_cost: normaliseValue(p.unit_cost),
    ...(p.source_line === undefined ? {} : { source_line: p.source_line }),
    raw: p.raw,
  };
}

/** An order line with its fields (and its embedded customer and product) normalised. */
export function normaliseLine(line: SourceOrderLine): SourceOrderLine {
  return {
    order_id: normaliseValue(line.order_id),
    line_no: line.line_no,
    order_ts: normaliseValue(line.order_ts),
    status: normaliseValue(line.status),
    customer_id: normaliseValue(line.customer_id),
    product_id: normaliseValue(line.product_id),
    quantity: normaliseValue(line.quantity),
    unit_price: normaliseValue(line.unit_price),
    discount_pct: normaliseValue(line.discount_pct),
    discount_amount: normaliseValue(line.discount_amount),
    channel: normaliseValue(line.channel),
    payment_method: normaliseValue(line.payment_method),
    stated_total: normaliseValue(line.stated_total),
    natural_key: normaliseValue(line.natural_key),
    ...(line.source_line === undefined ? {} : { source_line: line.source_line }),
    ...(line.unparseable === undefined ? {} : { unparseable: line.unparseable }),
    ...(line.customer === undefined ? {} : { customer: normaliseCustomer(line.customer) }),
    ...(line.product === undefined ? {} : { product: normaliseProduct(line.product) }),
    raw: line.raw,
  };
}
