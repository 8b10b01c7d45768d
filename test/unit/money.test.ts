import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRatio, divRound, formatCents, parseRatio, toCents } from '../../shared/domain/money';

describe('toCents', () => {
  it.each([
    [9.99, 999],
    ['9.99', 999],
    [0.1, 10],
    [1299.5, 129950],
    ['  12 ', 1200],
    [0, 0],
    ['-3.10', -310],
  ])('parses %j as %i cents', (input, cents) => {
    // Act
    const result = toCents(input);
    // Assess
    expect(result).toBe(cents);
  });

  it.each([
    [9.999],
    ['abc'],
    [''],
    [null],
    [undefined],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    ['1e3'],
    [{}],
  ])('refuses %j, which is not an amount with at most two decimals', (input) => {
    expect(toCents(input)).toBeUndefined();
  });

  it('round-trips any cents value through its decimal text', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
        expect(toCents(formatCents(cents))).toBe(cents);
      }),
    );
  });
});

describe('divRound', () => {
  it.each([
    [5n, 2n, 3n],
    [-5n, 2n, -3n],
    [4n, 3n, 1n],
    [-4n, 3n, -1n],
    [7n, 2n, 4n],
    [1n, 3n, 0n],
  ])('rounds %i / %i half away from zero to %i', (num, den, expected) => {
    expect(divRound(num, den)).toBe(expected);
  });
});

describe('applyRatio', () => {
  it('rounds a half cent away from zero (0.60 x 0.05 = 0.03)', () => {
    // Prepare
    const ratio = parseRatio('0.60')!;
    // Act + Assess
    expect(applyRatio(5, ratio)).toBe(3);
    expect(applyRatio(999, ratio)).toBe(599);
  });

  it('matches exact rational arithmetic for any price and ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (cents, bp) => {
          const result = applyRatio(cents, { num: BigInt(bp), den: 10_000n });
          const exact = (cents * bp) / 10_000;
          expect(Math.abs(result - exact)).toBeLessThanOrEqual(0.5);
          if (Math.abs(result - exact) === 0.5) expect(result).toBeGreaterThan(exact);
        },
      ),
    );
  });
});

describe('formatCents', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [-1205, '-12.05'],
    [123456789, '1234567.89'],
  ])('formats %i as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });
});
