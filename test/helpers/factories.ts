import { buildCostModel, type CostModel } from '../../shared/domain/cost-model';
import type { Sourced } from '../../shared/domain/enrich';
import type { SourceCustomer, SourceOrderLine, SourceProduct } from '../../shared/domain/sources';

/** The default cost model (0.60 everywhere). */
export const defaultCostModel = (): CostModel => buildCostModel('0.60', {}).model!;

export const customer = (id: unknown, extra: Partial<SourceCustomer> = {}): Sourced<SourceCustomer> => ({
  record: {
    customer_id: id,
    first_name: 'Ada',
    last_name: 'Lovelace',
    country: 'United Kingdom',
    raw: { id },
    ...extra,
  },
  sourceFile: 's3://raw/users.json',
});

export const product = (
  id: unknown,
  price: unknown,
  extra: Partial<SourceProduct> = {},
): Sourced<SourceProduct> => ({
  record: {
    product_id: id,
    title: `Product ${String(id)}`,
    category: 'laptops',
    unit_price: price,
    raw: { id },
    ...extra,
  },
  sourceFile: 's3://raw/products.json',
});

export const line = (fields: Partial<SourceOrderLine> = {}): Sourced<SourceOrderLine> => {
  const record: SourceOrderLine = {
    order_id: 1,
    line_no: 1,
    customer_id: 1,
    product_id: 1,
    quantity: 2,
    unit_price: 10,
    discount_pct: 0,
    raw: null,
    ...fields,
  };
  record.raw = { ...record, raw: undefined };
  return { record, sourceFile: 's3://raw/carts.json' };
};
