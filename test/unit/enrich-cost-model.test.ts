import { describe, expect, it } from 'vitest';
import { buildCostModel, costRatioFor } from '../../shared/domain/cost-model';
import { applyRatio } from '../../shared/domain/money';

describe('cost model', () => {
  it.each([
    { name: 'accepts the default 0.60', fallback: '0.60', byCategory: {}, problems: 0 },
    {
      name: 'accepts ratios per category as text or numbers',
      fallback: '0.6',
      byCategory: { laptops: '0.7', toys: 0.5 },
      problems: 0,
    },
    { name: 'accepts a ratio of zero', fallback: '0', byCategory: {}, problems: 0 },
    { name: 'refuses a default that is not a decimal', fallback: 'sixty', byCategory: {}, problems: 1 },
    { name: 'refuses a negative default', fallback: '-0.1', byCategory: {}, problems: 1 },
    { name: 'refuses a ratio above 10', fallback: '0.6', byCategory: { gold: '11' }, problems: 1 },
    { name: 'names every bad ratio at once', fallback: 'x', byCategory: { a: 'y', b: '0.5' }, problems: 2 },
  ])('$name', ({ fallback, byCategory, problems }) => {
    // Act
    const built = buildCostModel(fallback, byCategory as Record<string, string | number>);
    // Assess
    expect(built.problems).toHaveLength(problems);
    expect(built.model === undefined).toBe(problems > 0);
  });

  it.each([
    { category: 'laptops', unitCost: 700 },
    { category: 'LAPTOPS', unitCost: 700 },
    { category: 'books', unitCost: 600 },
    { category: null, unitCost: 600 },
  ])('prices a 10.00 unit of category $category at $unitCost cents', ({ category, unitCost }) => {
    // Prepare
    const model = buildCostModel('0.60', { Laptops: '0.70' }).model!;
    // Act / Assess
    expect(applyRatio(1000, costRatioFor(model, category))).toBe(unitCost);
  });

  it.each([
    { priceCents: 999, ratio: '0.60', unitCost: 599 }, // 599.4
    { priceCents: 1025, ratio: '0.60', unitCost: 615 }, // 615.0
    { priceCents: 1, ratio: '0.5', unitCost: 1 }, // 0.5 rounds away from zero
    { priceCents: 3, ratio: '0.5', unitCost: 2 }, // 1.5
    { priceCents: 12_345, ratio: '0.333', unitCost: 4111 }, // 4110.885
  ])(
    'rounds $priceCents x $ratio half away from zero to $unitCost cents',
    ({ priceCents, ratio, unitCost }) => {
      const model = buildCostModel(ratio, {}).model!;
      expect(applyRatio(priceCents, costRatioFor(model, null))).toBe(unitCost);
    },
  );
});
