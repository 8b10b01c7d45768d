import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REASON } from '../../shared/constants';
import { buildCostModel } from '../../shared/domain/cost-model';
import { conserves, enrichBatch, type Sourced } from '../../shared/domain/enrich';
import type { SourceOrderLine } from '../../shared/domain/sources';
import { customer, product } from '../helpers/factories';

const INGESTED_AT = '2026-11-26T03:00:05.000Z';
const CONTEXT = { source: 'files', batchId: 'files-b1', ingestedAt: INGESTED_AT };

/** Cents as the decimal text a source would send, e.g. 1205 -> "12.05". */
const decimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** Integer division rounding half away from zero, for non-negative operands: the reference. */
const roundHalfUp = (num: bigint, den: bigint) => (2n * num + den) / (2n * den);

const sum = (values: number[]) => values.reduce((a, b) => a + BigInt(b), 0n);

/** Any field value a messy source might send for an order line. */
const anyLine = fc.record({
  order_id: fc.oneof(fc.constantFrom(1, 2, 3, 'o-1', ' o-1 ', '', null, 1.5)),
  line_no: fc.constantFrom(1, 2, 3, 0),
  natural_key: fc.option(fc.constantFrom('ev-1', 'ev-2', 'ev-3', ' '), { nil: undefined }),
  customer_id: fc.constantFrom(1, 2, 99, null, ''),
  product_id: fc.constantFrom(1, 2, 99, null),
  quantity: fc.constantFrom(1, 2, 7, 0, -3, 1.5, 'x', '4', null),
  unit_price: fc.constantFrom(10, '0.05', '19.99', 1.234, -1, 'ten', null, undefined),
  discount_pct: fc.constantFrom(0, 12.5, 100, 150, 'x', null),
  discount_amount: fc.option(fc.constantFrom('0.50', '1000', 'x'), { nil: undefined }),
  order_ts: fc.constantFrom(
    undefined,
    '2026-03-01T10:00:00Z',
    '2026-13-01T00:00:00Z',
    '2099-01-01T00:00:00Z',
    'soon',
    '',
  ),
  stated_total: fc.option(fc.constantFrom('20.00', '20.01', '0.10', 'n/a'), { nil: undefined }),
  unparseable: fc.option(fc.constant({ raw_text: '{"broken":', error: 'Unexpected end of JSON' }), {
    nil: undefined,
  }),
  embedded: fc.boolean(),
});

type AnyLine = typeof anyLine extends fc.Arbitrary<infer T> ? T : never;

const toSourced = (fields: AnyLine, index: number): Sourced<SourceOrderLine> => {
  const { embedded, ...rest } = fields;
  const record: SourceOrderLine = {
    ...rest,
    source_line: index + 1,
    ...(embedded
      ? {
          customer: { customer_id: fields.customer_id, city: 'Carried', raw: null },
          product: { product_id: fields.product_id, category: 'books', unit_price: null, raw: null },
        }
      : {}),
    raw: { index },
  };
  return { record, sourceFile: 's3://landing/sales.jsonl' };
};

describe('enrich properties', () => {
  it('conserves rows for arbitrary mixes of valid, invalid, unparseable and duplicate lines', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 60 }), (fields) => {
        // Act
        const result = enrichBatch({
          ...CONTEXT,
          costModel: buildCostModel('0.60', {}).model!,
          customers: [customer(1)],
          products: [product(1, 10), product(2, '0.05', { unit_cost: '0.01' })],
          lines: fields.map(toSourced),
        });
        // Assess: rows_in = clean + rejected + duplicates, from counts kept apart
        const c = result.conservation;
        expect(conserves(c)).toBe(true);
        expect(c.rows_in).toBe(fields.length);
        expect(c.clean).toBe(result.orderLines.length);
        const lineRejects = result.rejects.filter((r) => r.record_type === 'order_line');
        expect(lineRejects).toHaveLength(c.rejected + c.duplicates);
        expect(lineRejects.filter((r) => r.reason_code === REASON.duplicate)).toHaveLength(c.duplicates);
        const byReason = Object.values(result.rejectsByReason).reduce((a, b) => a + b, 0);
        expect(byReason).toBe(c.rejected + c.duplicates);
        // Every reject names a reason, its file and line; the fact key stays unique
        for (const r of lineRejects) {
          expect(r.reason_codes.split(',')).toContain(r.reason_code);
          expect(r.source_file).toBe('s3://landing/sales.jsonl');
          expect(r.source_line).toBeGreaterThan(0);
        }
        const keys = result.orderLines.map((l) => `${l.order_id}#${l.line_no}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      { numRuns: 300 },
    );
  });

  it('makes money totals equal the sum of exact line amounts for random prices and quantities', () => {
    const pricedLine = fc.record({
      priceCents: fc.integer({ min: 0, max: 5_000_000 }),
      quantity: fc.integer({ min: 1, max: 500 }),
      discountBp: fc.integer({ min: 0, max: 10_000 }),
      category: fc.constantFrom('laptops', 'books', 'toys'),
      asNumber: fc.boolean(),
    });
    const ratio = fc.integer({ min: 0, max: 1000 }); // thousandths: 0.000 .. 1.000
    fc.assert(
      fc.property(
        fc.array(pricedLine, { minLength: 1, maxLength: 50 }),
        ratio,
        ratio,
        (lines, laptops, fallback) => {
          // Prepare
          const ratioText = (thousandths: number) => (thousandths / 1000).toFixed(3);
          const costModel = buildCostModel(ratioText(fallback), { laptops: ratioText(laptops) }).model!;
          const products = lines.map((l, i) =>
            product(i + 1, decimal(l.priceCents), { category: l.category }),
          );
          const sourced = lines.map(
            (l, i): Sourced<SourceOrderLine> => ({
              record: {
                order_id: i + 1,
                line_no: 1,
                customer_id: 1,
                product_id: i + 1,
                quantity: l.quantity,
                unit_price: l.asNumber ? Number(decimal(l.priceCents)) : decimal(l.priceCents),
                discount_pct: decimal(l.discountBp),
                raw: null,
              },
              sourceFile: 's3://raw/carts.json',
            }),
          );
          // Act
          const result = enrichBatch({
            ...CONTEXT,
            costModel,
            customers: [customer(1)],
            products,
            lines: sourced,
          });
          // Assess: the reference, computed from the integers we generated, never from floats
          expect(result.orderLines).toHaveLength(lines.length);
          let revenue = 0n;
          let discount = 0n;
          let cost = 0n;
          for (const l of lines) {
            const lineRevenue = BigInt(l.priceCents) * BigInt(l.quantity);
            const thousandths = BigInt(l.category === 'laptops' ? laptops : fallback);
            revenue += lineRevenue;
            discount += roundHalfUp(lineRevenue * BigInt(l.discountBp), 10_000n);
            cost += roundHalfUp(BigInt(l.priceCents) * thousandths, 1000n) * BigInt(l.quantity);
          }
          const rows = result.orderLines;
          expect(sum(rows.map((r) => r.revenue_cents))).toBe(revenue);
          expect(sum(rows.map((r) => r.discount_cents))).toBe(discount);
          expect(sum(rows.map((r) => r.net_revenue_cents))).toBe(revenue - discount);
          expect(sum(rows.map((r) => r.cost_cents))).toBe(cost);
          expect(sum(rows.map((r) => r.profit_cents))).toBe(revenue - cost);
          expect(sum(rows.map((r) => r.net_profit_cents))).toBe(revenue - discount - cost);
          for (const r of rows) {
            expect(r.revenue_cents).toBe(r.unit_price_cents * r.quantity);
            expect(r.cost_cents).toBe(r.unit_cost_cents * r.quantity);
            expect(Number.isSafeInteger(r.revenue_cents)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
