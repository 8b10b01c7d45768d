import { z } from 'zod';
import type { Entity, SourceDefinition, SourceOrderLine } from './source-definition';

/** DummyJSON (https://dummyjson.com): users, products, carts, paged with limit/skip and a total. */

const entityKey: Record<Entity, 'users' | 'products' | 'carts'> = {
  customers: 'users',
  products: 'products',
  orders: 'carts',
};

const page = (key: string) =>
  z.object({
    [key]: z.array(z.unknown()),
    total: z.number().int().nonnegative(),
    skip: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative(),
  });

const pageSchemas = {
  users: page('users'),
  products: page('products'),
  carts: page('carts'),
};

const record = z.record(z.string(), z.unknown());
const asRecord = (raw: unknown): Record<string, unknown> => {
  const parsed = record.safeParse(raw);
  return parsed.success ? parsed.data : {};
};

export const dummyJson: SourceDefinition = {
  name: 'dummyjson',
  kind: 'api',
  paths: { customers: '/users', products: '/products', orders: '/carts' },
  paging: 'limit-skip',

  recordsOf(entity, body) {
    const key = entityKey[entity];
    const parsed = pageSchemas[key].parse(body) as { total: number; skip: number; limit: number } & Record<
      string,
      unknown[]
    >;
    return { records: parsed[key] ?? [], total: parsed.total, skip: parsed.skip, limit: parsed.limit };
  },

  mapCustomer(raw) {
    const user = asRecord(raw);
    const address = asRecord(user.address);
    return {
      customer_id: user.id,
      first_name: user.firstName,
      last_name: user.lastName,
      email: user.email,
      address_line: address.address,
      city: address.city,
      state: address.state,
      country: address.country,
      postal_code: address.postalCode,
      raw,
    };
  },

  mapProduct(raw) {
    const product = asRecord(raw);
    return {
      product_id: product.id,
      title: product.title,
      category: product.category,
      brand: product.brand,
      unit_price: product.price,
      raw,
    };
  },

  mapOrder(raw) {
    const cart = asRecord(raw);
    const lines = Array.isArray(cart.products) ? cart.products : [];
    return lines.map((item, index): SourceOrderLine => {
      const line = asRecord(item);
      return {
        order_id: cart.id,
        line_no: index + 1,
        customer_id: cart.userId,
        product_id: line.id,
        quantity: line.quantity,
        unit_price: line.price,
        discount_pct: line.discountPercentage,
        // DummyJSON's line `total` is gross (price x quantity): enrich checks it to the cent.
        stated_total: line.total,
        raw: { cartId: cart.id, userId: cart.userId, line: item },
      };
    });
  },
};
