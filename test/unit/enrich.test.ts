import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REASON } from '../../shared/constants';
import { conserves, enrichBatch } from '../../shared/domain/enrich';
import { customer, defaultCostModel, line, product } from '../helpers/factories';

const INGESTED_AT = '2026-11-26T03:00:05.000Z';
const run = (lines: ReturnType<typeof line>[], extra: Partial<Parameters<typeof enrichBatch>[0]> = {}) =>
  enrichBatch({
    source: 'dummyjson',
    batchId: 'dummyjson-20261126T030000Z',
    ingestedAt: INGESTED_AT,
    costModel: defaultCostModel(),
    customers: [customer(1)],
    products: [product(1, 10)],
    lines,
    ...extra,
  });

describe('enrichBatch', () => {
  it('joins a valid line with its customer and product and prices it in cents', () => {
    // Act
    const result = run([line({ quantity: 3, unit_price: '19.99', discount_pct: 10 })]);
    // Assess
    expect(result.rejects).toEqual([]);
    expect(result.orderLines).toHaveLength(1);
    expect(result.orderLines[0]).toMatchObject({
      order_id: '1',
      customer_id: '1',
      product_id: '1',
      quantity: 3,
      unit_price_cents: 1999,
      discount_bp: 1000,
      revenue_cents: 5997,
      discount_cents: 600,
      net_revenue_cents: 5397,
      unit_cost_cents: 1199,
      cost_cents: 3597,
      profit_cents: 2400,
      status: 'completed',
      order_ts: INGESTED_AT,
      order_date: '2026-11-26',
    });
    expect(result.conservation).toEqual({ rows_in: 1, clean: 1, rejected: 0, duplicates: 0 });
  });

  it.each([
    {
      name: 'rejects a line whose quantity is zero',
      fields: { quantity: 0 },
      reason: REASON.invalidQuantity,
    },
    {
      name: 'rejects a line whose quantity is fractional',
      fields: { quantity: 1.5 },
      reason: REASON.invalidQuantity,
    },
    {
      name: 'rejects a line whose price is negative',
      fields: { unit_price: -1 },
      reason: REASON.invalidPrice,
    },
    {
      name: 'rejects a line whose price has three decimals',
      fields: { unit_price: 1.234 },
      reason: REASON.invalidPrice,
    },
    {
      name: 'rejects a line of an unknown customer',
      fields: { customer_id: 9999 },
      reason: REASON.unknownCustomer,
    },
    {
      name: 'rejects a line of an unknown product',
      fields: { product_id: 9999 },
      reason: REASON.unknownProduct,
    },
    { name: 'rejects a line without an order id', fields: { order_id: '  ' }, reason: REASON.missingOrderId },
    { name: 'rejects a discount above 100 %', fields: { discount_pct: 150 }, reason: REASON.invalidDiscount },
    {
      name: 'rejects an impossible timestamp',
      fields: { order_ts: '2026-02-30T10:00:00Z' },
      reason: REASON.invalidTimestamp,
    },
  ])('$name', ({ fields, reason }) => {
    // Act
    const result = run([line(fields)]);
    // Assess
    expect(result.orderLines).toEqual([]);
    expect(result.rejects).toHaveLength(1);
    expect(result.rejects[0]).toMatchObject({
      record_type: 'order_line',
      reason_code: reason,
      source_file: 's3://raw/carts.json',
    });
    expect(result.rejectsByReason).toEqual({ [reason]: 1 });
    expect(result.conservation).toEqual({ rows_in: 1, clean: 0, rejected: 1, duplicates: 0 });
  });

  it('lists every reason of a line that breaks several rules', () => {
    // Act
    const result = run([line({ quantity: -1, product_id: 42 })]);
    // Assess
    expect(result.rejects[0]?.reason_codes.split(',').sort()).toEqual(
      [REASON.invalidQuantity, REASON.unknownProduct].sort(),
    );
    expect(JSON.parse(result.rejects[0]!.raw_record)).toMatchObject({ quantity: -1, product_id: 42 });
  });

  it('counts a repeated line as a duplicate, not as revenue', () => {
    // Act
    const result = run([line(), line()]);
    // Assess
    expect(result.orderLines).toHaveLength(1);
    expect(result.conservation).toEqual({ rows_in: 2, clean: 1, rejected: 0, duplicates: 1 });
    expect(result.rejects[0]?.reason_code).toBe(REASON.duplicate);
  });

  it("uses the product's own cost when the source has one", () => {
    // Act
    const result = run([line({ quantity: 2, unit_price: 10 })], {
      products: [product(1, 10, { unit_cost: '4.25' })],
    });
    // Assess
    expect(result.orderLines[0]).toMatchObject({ unit_cost_cents: 425, cost_cents: 850, profit_cents: 1150 });
    expect(result.products[0]).toMatchObject({ unit_cost_cents: 425, cost_source: 'source' });
  });

  it('takes order time and status from the source when present', () => {
    // Act
    const result = run([line({ order_ts: '2026-03-01T23:30:00-02:00', status: 'Shipped' })]);
    // Assess
    expect(result.orderLines[0]).toMatchObject({
      order_ts: '2026-03-02T01:30:00.000Z',
      order_date: '2026-03-02',
      status: 'shipped',
    });
  });

  it('rejects a customer without an id and the lines that needed it', () => {
    // Act
    const result = run([line()], { customers: [customer('')] });
    // Assess
    expect(result.rejects.map((r) => [r.record_type, r.reason_code])).toEqual([
      ['customer', REASON.missingCustomerId],
      ['order_line', REASON.unknownCustomer],
    ]);
  });

  it('conserves rows for any mix of valid and invalid lines', () => {
    const field = fc.oneof(
      fc.constant(1),
      fc.constant(2),
      fc.constant(0),
      fc.constant(-3),
      fc.constant('x'),
      fc.constant(null),
      fc.constant(1.5),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            order_id: field,
            line_no: fc.integer({ min: 1, max: 3 }),
            customer_id: field,
            product_id: field,
            quantity: field,
            unit_price: field,
          }),
          {
            maxLength: 40,
          },
        ),
        (fields) => {
          const result = run(
            fields.map((f) => line(f)),
            { customers: [customer(1)], products: [product(1, 10), product(2, '0.05')] },
          );
          expect(conserves(result.conservation)).toBe(true);
          expect(result.conservation.clean).toBe(result.orderLines.length);
          const reasons = Object.values(result.rejectsByReason).reduce((a, b) => a + b, 0);
          expect(reasons).toBe(result.conservation.rejected + result.conservation.duplicates);
          for (const l of result.orderLines) expect(l.profit_cents).toBe(l.revenue_cents - l.cost_cents);
        },
      ),
    );
  });
});
