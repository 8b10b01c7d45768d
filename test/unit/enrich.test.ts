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
    {
      name: 'rejects a line without an order id at all',
      fields: { order_id: null },
      reason: REASON.missingOrderId,
    },
    {
      name: 'rejects a timestamp in month 13',
      fields: { order_ts: '2026-13-01T00:00:00Z' },
      reason: REASON.invalidTimestamp,
    },
    {
      name: 'rejects a timestamp more than a day after ingestion',
      fields: { order_ts: '2026-11-28T00:00:00Z' },
      reason: REASON.invalidTimestamp,
    },
    {
      name: 'rejects an unparseable timestamp',
      fields: { order_ts: 'last tuesday' },
      reason: REASON.invalidTimestamp,
    },
    { name: 'rejects a non-numeric quantity', fields: { quantity: 'two' }, reason: REASON.invalidQuantity },
    { name: 'rejects a negative quantity', fields: { quantity: -2 }, reason: REASON.invalidQuantity },
    { name: 'rejects a missing quantity', fields: { quantity: '  ' }, reason: REASON.invalidQuantity },
    {
      name: 'rejects a price that is not a number',
      fields: { unit_price: 'ten' },
      reason: REASON.invalidPrice,
    },
    {
      name: 'rejects a stated total more than a cent from quantity x price',
      fields: { quantity: 2, unit_price: 10, stated_total: '20.02' },
      reason: REASON.totalMismatch,
    },
    {
      name: 'rejects a stated total that is not an amount',
      fields: { stated_total: 'twenty' },
      reason: REASON.invalidTotal,
    },
    {
      name: 'rejects a discount amount above the revenue',
      fields: { quantity: 2, unit_price: 10, discount_amount: '20.01' },
      reason: REASON.invalidDiscount,
    },
    {
      name: 'rejects a line of a customer without an id',
      fields: { customer_id: '' },
      reason: REASON.unknownCustomer,
    },
    {
      name: 'rejects a line whose line number is not a positive integer',
      fields: { line_no: 0 },
      reason: REASON.invalidRecord,
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

  it.each([
    { name: 'accepts a stated total equal to quantity x price', fields: { stated_total: 20 } },
    { name: 'accepts a stated total one cent off', fields: { stated_total: '19.99' } },
    { name: 'accepts a stated total after discount', fields: { discount_pct: 10, stated_total: '18.00' } },
    {
      name: 'accepts a timestamp exactly a day after ingestion',
      fields: { order_ts: '2026-11-27T03:00:05Z' },
    },
    { name: 'accepts a quantity given as text', fields: { quantity: ' 2 ' } },
  ])('$name', ({ fields }) => {
    // Act
    const result = run([line(fields)]);
    // Assess
    expect(result.rejects).toEqual([]);
    expect(result.orderLines).toHaveLength(1);
  });

  it('writes a reject with its reasons, the raw record as received, file, line number, batch and time', () => {
    // Prepare
    const bad = line({ quantity: 0, source_line: 17 });
    bad.record.raw = { cartId: 1, line: { id: 1, quantity: 0, note: ' kept as is ' } };
    // Act
    const result = run([bad]);
    // Assess
    expect(result.rejects).toEqual([
      {
        source: 'dummyjson',
        batch_id: 'dummyjson-20261126T030000Z',
        record_type: 'order_line',
        reason_code: REASON.invalidQuantity,
        reason_codes: REASON.invalidQuantity,
        reason_detail: 'quantity 0 is not a positive integer',
        raw_record: '{"cartId":1,"line":{"id":1,"quantity":0,"note":" kept as is "}}',
        record_key: '1#1',
        source_file: 's3://raw/carts.json',
        source_line: 17,
        ingested_at: INGESTED_AT,
      },
    ]);
  });

  it('rejects an unparseable record with its raw text verbatim and its line number', () => {
    // Prepare
    const rawText = '{"event_id": "e-9", "quantity": 2,,}';
    const unparseable = line({
      unparseable: { raw_text: rawText, error: 'Unexpected token , at 33' },
      source_line: 4,
    });
    // Act
    const result = run([unparseable, line()]);
    // Assess
    expect(result.rejects).toHaveLength(1);
    expect(result.rejects[0]).toMatchObject({
      reason_code: REASON.unparseable,
      reason_detail: 'Unexpected token , at 33',
      raw_record: rawText,
      record_key: null,
      source_line: 4,
    });
    expect(result.conservation).toEqual({ rows_in: 2, clean: 1, rejected: 1, duplicates: 0 });
  });

  it('normalises nulls, blanks and padding before the rules run', () => {
    // Act
    const result = run([
      line({ order_id: ' 1 ', status: '   ', channel: '', payment_method: ' card ', quantity: '3' }),
    ]);
    // Assess
    expect(result.orderLines[0]).toMatchObject({
      order_id: '1',
      status: 'completed',
      channel: null,
      payment_method: 'card',
      quantity: 3,
    });
  });

  it('carries channel and payment method where the source has them', () => {
    // Act
    const result = run([line({ channel: 'Email', payment_method: 'paypal' })]);
    // Assess
    expect(result.orderLines[0]).toMatchObject({ channel: 'Email', payment_method: 'paypal' });
  });

  it("prices a line without a price of its own at its product's price", () => {
    // Act
    const result = run([line({ unit_price: undefined, quantity: 3 })], { products: [product(1, '12.50')] });
    // Assess
    expect(result.orderLines[0]).toMatchObject({ unit_price_cents: 1250, revenue_cents: 3750 });
  });

  it('rejects a line without a price and without a known product as an unknown product only', () => {
    // Act
    const result = run([line({ unit_price: null, product_id: 77 })]);
    // Assess
    expect(result.rejects[0]?.reason_codes).toBe(REASON.unknownProduct);
  });

  it('keeps a discount stated as an amount exact to the cent', () => {
    // Act
    const result = run([
      line({ quantity: 3, unit_price: '3.33', discount_amount: '1.01', stated_total: '8.98' }),
    ]);
    // Assess
    expect(result.orderLines[0]).toMatchObject({
      revenue_cents: 999,
      discount_cents: 101,
      net_revenue_cents: 898,
      discount_bp: 1011,
    });
  });

  it('deduplicates on the natural key when the source has one: the first wins', () => {
    // Act
    const result = run([
      line({ natural_key: 'ev-1', order_id: 'o-1', quantity: 1 }),
      line({ natural_key: 'ev-1', order_id: 'o-1', quantity: 5 }),
      line({ natural_key: 'ev-2', order_id: 'o-2' }),
    ]);
    // Assess
    expect(result.orderLines.map((l) => [l.order_id, l.quantity])).toEqual([
      ['o-1', 1],
      ['o-2', 2],
    ]);
    expect(result.rejects).toMatchObject([{ reason_code: REASON.duplicate, record_key: 'ev-1' }]);
    expect(result.conservation).toEqual({ rows_in: 3, clean: 2, rejected: 0, duplicates: 1 });
  });

  it('counts two events that claim the same order line as a duplicate, so the fact key stays unique', () => {
    // Act
    const result = run([line({ natural_key: 'ev-1' }), line({ natural_key: 'ev-2' })]);
    // Assess
    expect(result.orderLines).toHaveLength(1);
    expect(result.rejects[0]).toMatchObject({ reason_code: REASON.duplicate, record_key: 'ev-2' });
    expect(result.rejects[0]?.reason_detail).toContain('order line 1#1');
  });

  it('counts a repeat of a rejected line as a duplicate: the first one wins even when it is invalid', () => {
    // Act
    const result = run([line({ quantity: 0 }), line()]);
    // Assess
    expect(result.rejects.map((r) => r.reason_code)).toEqual([REASON.invalidQuantity, REASON.duplicate]);
    expect(result.conservation).toEqual({ rows_in: 2, clean: 0, rejected: 1, duplicates: 1 });
  });

  it.each([
    { counts: { rows_in: 5, clean: 3, rejected: 1, duplicates: 1 }, holds: true },
    { counts: { rows_in: 0, clean: 0, rejected: 0, duplicates: 0 }, holds: true },
    { counts: { rows_in: 5, clean: 3, rejected: 1, duplicates: 0 }, holds: false },
    { counts: { rows_in: 4, clean: 3, rejected: 1, duplicates: 1 }, holds: false },
  ])('says conservation holds is $holds for $counts', ({ counts, holds }) => {
    expect(conserves(counts)).toBe(holds);
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
