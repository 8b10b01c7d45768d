import { applyRatio, type Ratio } from './money';

/** One priced order line: every amount in integer cents. */
export interface LinePrice {
  revenueCents: number;
  discountCents: number;
  netRevenueCents: number;
  unitCostCents: number;
  costCents: number;
  profitCents: number;
  netProfitCents: number;
}

export interface LinePriceInput {
  unitPriceCents: number;
  quantity: number;
  /** Discount as an exact fraction of revenue (e.g. 12.5 % = 125/1000); zero when none. */
  discount: Ratio;
  /** The source's own unit cost, when it has one: it wins over the cost model. */
  sourceUnitCostCents?: number | undefined;
  /** Cost ratio of the line's category (unit cost = unit price x ratio). */
  costRatio: Ratio;
}

/**
 * Price an order line. Revenue is gross (unit price x quantity, as the shop APIs' line total);
 * discount and net revenue are separate; unit cost is the source's cost or unit price x the
 * category's cost ratio rounded half away from zero to the cent; cost = unit cost x quantity.
 * @example priceLine({ unitPriceCents: 999, quantity: 3, discount: ZERO, costRatio: { num: 6n, den: 10n } })
 */
export function priceLine(input: LinePriceInput): LinePrice {
  const revenueCents = input.unitPriceCents * input.quantity;
  const discountCents = applyRatio(revenueCents, input.discount);
  const netRevenueCents = revenueCents - discountCents;
  const unitCostCents = input.sourceUnitCostCents ?? applyRatio(input.unitPriceCents, input.costRatio);
  const costCents = unitCostCents * input.quantity;
  return {
    revenueCents,
    discountCents,
    netRevenueCents,
    unitCostCents,
    costCents,
    profitCents: revenueCents - costCents,
    netProfitCents: netRevenueCents - costCents,
  };
}

/** Percentage (e.g. `12.5`) as an exact fraction of one. */
export function percentToRatio(percent: Ratio): Ratio {
  return { num: percent.num, den: percent.den * 100n };
}

export const ZERO_RATIO: Ratio = { num: 0n, den: 1n };
