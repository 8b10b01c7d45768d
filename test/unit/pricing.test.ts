import { describe, expect, it } from 'vitest';
import { parseRatio } from '../../shared/domain/money';
import { priceLine, ZERO_RATIO } from '../../shared/domain/pricing';

const ratio = (text: string) => parseRatio(text)!;

describe('priceLine', () => {
  it.each([
    {
      name: 'prices a plain line with the default 0.60 cost ratio',
      input: { unitPriceCents: 999, quantity: 3, discount: ZERO_RATIO, costRatio: ratio('0.60') },
      expected: {
        revenueCents: 2997,
        discountCents: 0,
        netRevenueCents: 2997,
        unitCostCents: 599,
        costCents: 1797,
        profitCents: 1200,
        netProfitCents: 1200,
      },
    },
    {
      name: 'keeps the discount apart from gross revenue',
      input: {
        unitPriceCents: 1000,
        quantity: 2,
        discount: { num: 125n, den: 10_000n },
        costRatio: ratio('0.5'),
      },
      expected: {
        revenueCents: 2000,
        discountCents: 25,
        netRevenueCents: 1975,
        unitCostCents: 500,
        costCents: 1000,
        profitCents: 1000,
        netProfitCents: 975,
      },
    },
    {
      name: 'lets the source cost win over the cost model',
      input: {
        unitPriceCents: 2500,
        quantity: 4,
        discount: ZERO_RATIO,
        sourceUnitCostCents: 1111,
        costRatio: ratio('0.60'),
      },
      expected: {
        revenueCents: 10000,
        discountCents: 0,
        netRevenueCents: 10000,
        unitCostCents: 1111,
        costCents: 4444,
        profitCents: 5556,
        netProfitCents: 5556,
      },
    },
    {
      name: 'rounds the unit cost half away from zero before multiplying by quantity',
      input: { unitPriceCents: 5, quantity: 7, discount: ZERO_RATIO, costRatio: ratio('0.5') },
      expected: {
        revenueCents: 35,
        discountCents: 0,
        netRevenueCents: 35,
        unitCostCents: 3,
        costCents: 21,
        profitCents: 14,
        netProfitCents: 14,
      },
    },
  ])('$name', ({ input, expected }) => {
    // Act
    const priced = priceLine(input);
    // Assess
    expect(priced).toEqual(expected);
  });
});
