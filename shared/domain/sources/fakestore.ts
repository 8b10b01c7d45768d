import { z } from 'zod';
import type { SourceDefinition, SourceOrderLine } from './source-definition';

/**
 * FakeStore (https://fakestoreapi.com): `/users`, `/products`, `/carts`, each one JSON array with
 * everything (no paging). Carts carry a `date` (the order time) and a `userId`; their lines name a
 * product and a quantity but no price, so a line's unit price is its product's (enrich joins it).
 */

/** The shape of a FakeStore response: a JSON array of objects. Fields are checked by enrich's rules. */
const listSchema = z.array(z.record(z.string(), z.unknown()));

const record = z.record(z.string(), z.unknown());
const asRecord = (raw: unknown): Record<string, unknown> => {
  const parsed = record.safeParse(raw);
  return parsed.success ? parsed.data : {};
};

/** `number` and `street` of a FakeStore address as one line, e.g. `7835 new road`. */
function addressLine(address: Record<string, unknown>): string | undefined {
  const parts = [address.number, address.street].filter(
    (part) => (typeof part === 'string' && part.trim() !== '') || typeof part === 'number',
  );
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export const fakeStore: SourceDefinition = {
  name: 'fakestore',
  kind: 'api',
  paths: { customers: '/users', products: '/products', orders: '/carts' },
  paging: 'none',

  recordsOf(_entity, body) {
    return { records: listSchema.parse(body) };
  },

  mapCustomer(raw) {
    const user = asRecord(raw);
    const name = asRecord(user.name);
    const address = asRecord(user.address);
    return {
      customer_id: user.id,
      first_name: name.firstname,
      last_name: name.lastname,
      email: user.email,
      address_line: addressLine(address),
      city: address.city,
      postal_code: address.zipcode,
      raw,
    };
  },

  mapProduct(raw) {
    const product = asRecord(raw);
    return {
      product_id: product.id,
      title: product.title,
      category: product.category,
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
        order_ts: cart.date,
        customer_id: cart.userId,
        product_id: line.productId,
        quantity: line.quantity,
        // FakeStore lines have no price: the product's unit price applies.
        unit_price: undefined,
        raw: { cartId: cart.id, userId: cart.userId, date: cart.date, line: item },
      };
    });
  },
};
