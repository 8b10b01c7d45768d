import { describe, expect, it } from 'vitest';
import { dummyJson } from '../../shared/domain/sources/dummyjson';

describe('the DummyJSON source', () => {
  it('maps a user with its address to a canonical customer', () => {
    // Prepare
    const user = {
      id: 5,
      firstName: 'Emily',
      lastName: 'Johnson',
      email: 'emily@x.dummyjson.com',
      address: {
        address: '626 Main Street',
        city: 'Phoenix',
        state: 'Mississippi',
        postalCode: '29112',
        country: 'United States',
      },
    };
    // Act
    const customer = dummyJson.mapCustomer(user);
    // Assess
    expect(customer).toEqual({
      customer_id: 5,
      first_name: 'Emily',
      last_name: 'Johnson',
      email: 'emily@x.dummyjson.com',
      address_line: '626 Main Street',
      city: 'Phoenix',
      state: 'Mississippi',
      country: 'United States',
      postal_code: '29112',
      raw: user,
    });
  });

  it('maps a product, which has no cost of its own', () => {
    // Act
    const product = dummyJson.mapProduct({
      id: 1,
      title: 'Mascara',
      category: 'beauty',
      brand: 'Essence',
      price: 9.99,
    });
    // Assess
    expect(product).toMatchObject({
      product_id: 1,
      title: 'Mascara',
      category: 'beauty',
      brand: 'Essence',
      unit_price: 9.99,
    });
    expect(product.unit_cost).toBeUndefined();
  });

  it('maps a cart to one line per product, numbered from 1, keeping the cart context in the raw record', () => {
    // Prepare
    const cart = {
      id: 7,
      userId: 33,
      products: [
        {
          id: 1,
          title: 'A',
          price: 9.99,
          quantity: 2,
          total: 19.98,
          discountPercentage: 10.5,
          discountedTotal: 17.88,
        },
        {
          id: 4,
          title: 'B',
          price: 100,
          quantity: 1,
          total: 100,
          discountPercentage: 0,
          discountedTotal: 100,
        },
      ],
    };
    // Act
    const lines = dummyJson.mapOrder(cart);
    // Assess
    expect(lines.map(({ raw: _raw, ...line }) => line)).toEqual([
      {
        order_id: 7,
        line_no: 1,
        customer_id: 33,
        product_id: 1,
        quantity: 2,
        unit_price: 9.99,
        discount_pct: 10.5,
        stated_total: 19.98,
      },
      {
        order_id: 7,
        line_no: 2,
        customer_id: 33,
        product_id: 4,
        quantity: 1,
        unit_price: 100,
        discount_pct: 0,
        stated_total: 100,
      },
    ]);
    expect(lines[0]?.raw).toEqual({ cartId: 7, userId: 33, line: cart.products[0] });
  });

  it.each([
    ['a cart without products', { id: 1, userId: 2 }],
    ['something that is not an object', 'nonsense'],
  ])('maps %s to no lines', (_name, raw) => {
    expect(dummyJson.mapOrder(raw)).toEqual([]);
  });

  it('reads the records and paging fields of a page', () => {
    // Act
    const page = dummyJson.recordsOf('orders', { carts: [{ id: 1 }], total: 31, skip: 30, limit: 1 });
    // Assess
    expect(page).toEqual({ records: [{ id: 1 }], total: 31, skip: 30, limit: 1 });
  });

  it('refuses a page that lacks its entity array', () => {
    expect(() => dummyJson.recordsOf('customers', { carts: [], total: 0, skip: 0, limit: 30 })).toThrow();
  });
});
