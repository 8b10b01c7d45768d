import { parseRatio, type Ratio } from './money';

/** Cost ratios per category with a default: unit cost = unit price x ratio where a source has no cost. */
export interface CostModel {
  defaultRatio: Ratio;
  byCategory: ReadonlyMap<string, Ratio>;
}

/** The ratio for a category (case-insensitive), else the default. */
export function costRatioFor(model: CostModel, category: string | null): Ratio {
  return (category && model.byCategory.get(category.toLowerCase())) || model.defaultRatio;
}

/**
 * Build a cost model from decimal strings, validating each ratio (0 <= ratio <= 10).
 * Returns the problems found instead of throwing, so config can name the variable.
 */
export function buildCostModel(
  defaultRatio: string,
  byCategory: Record<string, string | number>,
): { model?: CostModel; problems: string[] } {
  const problems: string[] = [];
  const parse = (label: string, value: unknown): Ratio | undefined => {
    const ratio = parseRatio(value);
    if (!ratio || ratio.num < 0n || ratio.num > 10n * ratio.den) {
      problems.push(`${label} must be a decimal between 0 and 10, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return ratio;
  };
  const fallback = parse('default cost ratio', defaultRatio);
  const map = new Map<string, Ratio>();
  for (const [category, value] of Object.entries(byCategory)) {
    const ratio = parse(`cost ratio of category "${category}"`, value);
    if (ratio) map.set(category.toLowerCase(), ratio);
  }
  return fallback && problems.length === 0
    ? { model: { defaultRatio: fallback, byCategory: map }, problems }
    : { problems };
}
