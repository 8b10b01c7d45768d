import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REASON } from '../../shared/constants';
import { normaliseLine, normaliseValue } from '../../shared/domain/normalise';
import {
  discountAmount,
  discountPercent,
  identifier,
  lineRevenue,
  money,
  orderTimestamp,
  parseIsoTimestamp,
  quantity,
  statedTotal,
  text,
} from '../../shared/domain/rules';

const INGESTED_AT = '2026-11-26T03:00:05.000Z';

describe('normalisation before the rules', () => {
  it.each([
    { name: 'turns undefined into null', value: undefined, expected: null },
    { name: 'keeps null as null', value: null, expected: null },
    { name: 'turns an empty string into null', value: '', expected: null },
    { name: 'turns a blank string into null', value: ' \t\n ', expected: null },
    { name: 'trims a string', value: '  Shipped ', expected: 'Shipped' },
    { name: 'keeps a number as it is', value: 0, expected: 0 },
    { name: 'keeps false as it is', value: false, expected: false },
  ])('$name', ({ value, expected }) => {
    expect(normaliseValue(value)).toBe(expected);
  });

  it('normalises every field of a line, its embedded customer and product, but never its raw record', () => {
    // Prepare
    const raw = { status: '  ' };
    // Act
    const line = normaliseLine({
      order_id: ' 7 ',
      line_no: 1,
      status: '  ',
      customer_id: '',
      product_id: 3,
      quantity: ' 2 ',
      unit_price: undefined,
      customer: { customer_id: ' c1 ', city: '', raw: null },
      product: { product_id: 'p', unit_price: ' 9.99 ', raw: null },
      raw,
    });
    // Assess
    expect(line).toMatchObject({
      order_id: '7',
      status: null,
      customer_id: null,
      product_id: 3,
      quantity: '2',
      unit_price: null,
      customer: { customer_id: 'c1', city: null },
      product: { product_id: 'p', unit_price: '9.99' },
    });
    expect(line.raw).toBe(raw);
  });
});

describe('text and identifier', () => {
  it.each([
    { value: ' a ', expected: 'a' },
    { value: 12, expected: '12' },
    { value: Number.NaN, expected: null },
    { value: {}, expected: null },
    { value: '   ', expected: null },
  ])('reads $value as text $expected', ({ value, expected }) => {
    expect(text(value)).toBe(expected);
  });

  it.each([
    { name: 'accepts an integer id', value: 42, expected: { ok: true, value: '42' } },
    { name: 'accepts a string id, trimmed', value: ' ev-1 ', expected: { ok: true, value: 'ev-1' } },
    { name: 'rejects a missing id', value: null, expected: { ok: false, reason: REASON.missingOrderId } },
    { name: 'rejects an empty id', value: '', expected: { ok: false, reason: REASON.missingOrderId } },
    { name: 'rejects a fractional id', value: 1.5, expected: { ok: false, reason: REASON.missingOrderId } },
  ])('$name', ({ value, expected }) => {
    expect(identifier(value, REASON.missingOrderId, 'order id')).toMatchObject(expected);
  });
});

describe('quantity', () => {
  it.each([
    { name: 'accepts a positive integer', value: 3, ok: true },
    { name: 'accepts a numeric string', value: '3', ok: true },
    { name: 'rejects zero', value: 0, ok: false },
    { name: 'rejects a negative quantity', value: -2, ok: false },
    { name: 'rejects a fractional quantity', value: 1.5, ok: false },
    { name: 'rejects a fractional string', value: '1.5', ok: false },
    { name: 'rejects a non-numeric string', value: 'two', ok: false },
    { name: 'rejects a missing quantity', value: null, ok: false },
    { name: 'rejects an unsafe integer', value: 2 ** 60, ok: false },
  ])('$name', ({ value, ok }) => {
    const checked = quantity(value);
    expect(checked.ok).toBe(ok);
    if (!checked.ok) expect(checked.reason).toBe(REASON.invalidQuantity);
  });
});

describe('money', () => {
  it.each([
    { name: 'reads a number in cents', value: 19.99, expected: 1999 },
    { name: 'reads a decimal string in cents', value: '0.05', expected: 5 },
    { name: 'accepts zero', value: 0, expected: 0 },
    { name: 'rejects a negative amount', value: -1, expected: undefined },
    { name: 'rejects three decimals', value: '1.234', expected: undefined },
    { name: 'rejects text', value: 'ten', expected: undefined },
    { name: 'rejects a missing amount', value: null, expected: undefined },
    { name: 'rejects infinity', value: Number.POSITIVE_INFINITY, expected: undefined },
    { name: 'accepts the largest DECIMAL(12,2) amount', value: '9999999999.99', expected: 999_999_999_999 },
    { name: 'rejects an amount beyond DECIMAL(12,2)', value: '10000000000.00', expected: undefined },
  ])('$name', ({ value, expected }) => {
    const checked = money(value, REASON.invalidPrice, 'price');
    expect(checked.ok ? checked.value : undefined).toBe(expected);
    if (!checked.ok) expect(checked.reason).toBe(REASON.invalidPrice);
  });
});

describe('line revenue', () => {
  it.each([
    { name: 'multiplies quantity by unit price', quantity: 3, price: 1999, expected: 5997 },
    {
      name: 'accepts a revenue of exactly the largest amount',
      quantity: 1,
      price: 999_999_999_999,
      expected: 999_999_999_999,
    },
    {
      name: 'rejects a revenue beyond DECIMAL(12,2)',
      quantity: 1000,
      price: 1_000_000_000,
      expected: undefined,
    },
  ])('$name', ({ quantity: qty, price, expected }) => {
    const checked = lineRevenue(qty, price);
    expect(checked.ok ? checked.value : undefined).toBe(expected);
    if (!checked.ok) expect(checked.reason).toBe(REASON.invalidPrice);
  });
});

describe('discounts', () => {
  it.each([
    { name: 'reads no discount as zero', value: null, bp: 0 },
    { name: 'reads a percentage in basis points', value: 12.5, bp: 1250 },
    { name: 'accepts 100 %', value: '100', bp: 10_000 },
    { name: 'rejects a percentage above 100', value: 150, bp: undefined },
    { name: 'rejects a negative percentage', value: -5, bp: undefined },
    { name: 'rejects a non-numeric percentage', value: 'ten', bp: undefined },
  ])('$name', ({ value, bp }) => {
    const checked = discountPercent(value);
    expect(checked.ok ? checked.value.bp : undefined).toBe(bp);
    if (!checked.ok) expect(checked.reason).toBe(REASON.invalidDiscount);
  });

  it.each([
    { name: 'reads an amount as a fraction of revenue', value: '2.50', revenue: 1000, bp: 2500 },
    { name: 'reads a zero amount as no discount', value: 0, revenue: 1000, bp: 0 },
    { name: 'accepts the whole revenue', value: '10.00', revenue: 1000, bp: 10_000 },
    { name: 'rounds basis points half away from zero', value: '0.01', revenue: 20_000, bp: 1 },
    { name: 'rejects more than the revenue', value: '10.01', revenue: 1000, bp: undefined },
    { name: 'rejects a negative amount', value: -1, revenue: 1000, bp: undefined },
  ])('$name', ({ value, revenue, bp }) => {
    const checked = discountAmount(value, revenue);
    expect(checked.ok ? checked.value.bp : undefined).toBe(bp);
    if (!checked.ok) expect(checked.reason).toBe(REASON.invalidDiscount);
  });
});

describe('stated total', () => {
  const expected = { grossCents: 5997, netCents: 5397 };
  it.each([
    { name: 'accepts the exact gross total', value: 59.97, reason: undefined },
    { name: 'accepts a total one cent off', value: '59.98', reason: undefined },
    { name: 'accepts the net total (after discount)', value: '53.97', reason: undefined },
    { name: 'accepts no stated total', value: null, reason: undefined },
    { name: 'rejects a total two cents off', value: '59.99', reason: REASON.totalMismatch },
    { name: 'rejects a total far off', value: 10, reason: REASON.totalMismatch },
    { name: 'rejects a total that is not an amount', value: 'n/a', reason: REASON.invalidTotal },
    { name: 'rejects a negative total', value: -59.97, reason: REASON.invalidTotal },
  ])('$name', ({ value, reason }) => {
    const checked = statedTotal(value, expected);
    expect(checked.ok ? undefined : checked.reason).toBe(reason);
  });

  it('checks only the form of a total when the line has no valid figures to compare with', () => {
    expect(statedTotal('1.00', undefined).ok).toBe(true);
    expect(statedTotal('x', undefined)).toMatchObject({ ok: false, reason: REASON.invalidTotal });
  });
});

describe('order timestamp', () => {
  it.each([
    { name: 'uses the ingestion time when absent', value: null, expected: INGESTED_AT },
    { name: 'reads a UTC time', value: '2026-03-01T10:00:00Z', expected: '2026-03-01T10:00:00.000Z' },
    {
      name: 'converts an offset to UTC',
      value: '2026-03-01T23:30:00-02:00',
      expected: '2026-03-02T01:30:00.000Z',
    },
    {
      name: 'reads an offset without a colon',
      value: '2026-03-01T10:00:00+0530',
      expected: '2026-03-01T04:30:00.000Z',
    },
    {
      name: 'reads a time without an offset as UTC',
      value: '2026-03-01 10:00',
      expected: '2026-03-01T10:00:00.000Z',
    },
    {
      name: 'reads a date alone as its midnight UTC',
      value: '2020-03-02',
      expected: '2020-03-02T00:00:00.000Z',
    },
    {
      name: 'keeps milliseconds and drops finer digits',
      value: '2026-03-01T10:00:00.123456Z',
      expected: '2026-03-01T10:00:00.123Z',
    },
    {
      name: 'accepts a time exactly a day after ingestion',
      value: '2026-11-27T03:00:05Z',
      expected: '2026-11-27T03:00:05.000Z',
    },
  ])('$name', ({ value, expected }) => {
    expect(orderTimestamp(value, INGESTED_AT)).toEqual({ ok: true, value: expected });
  });

  it.each([
    { name: 'rejects month 13', value: '2026-13-01T00:00:00Z' },
    { name: 'rejects 30 February', value: '2026-02-30T10:00:00Z' },
    { name: 'rejects hour 24', value: '2026-03-01T24:00:00Z' },
    { name: 'rejects minute 60', value: '2026-03-01T10:60:00Z' },
    { name: 'rejects an offset beyond 14 hours', value: '2026-03-01T10:00:00+15:00' },
    { name: 'rejects a time before 2000', value: '1999-12-31T23:59:59Z' },
    { name: 'rejects a time more than a day after ingestion', value: '2026-11-27T03:00:05.001Z' },
    { name: 'rejects a far-future time', value: '2099-01-01T00:00:00Z' },
    { name: 'rejects text that is not a time', value: 'yesterday' },
    { name: 'rejects a US-style date', value: '03/01/2026' },
    { name: 'rejects an epoch number', value: 1_772_000_000_000 },
  ])('$name', ({ value }) => {
    expect(orderTimestamp(value, INGESTED_AT)).toMatchObject({ ok: false, reason: REASON.invalidTimestamp });
  });

  it('reads back any instant it formats, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseIsoTimestamp(date.toISOString())).toBe(date.getTime());
        },
      ),
    );
  });
});
