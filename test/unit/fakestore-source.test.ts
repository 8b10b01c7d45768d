import { describe, expect, it } from 'vitest';
import { generateShop, toFakeStore } from '../../local/generator';
import { API_SOURCE_NAMES, sourceNamed } from '../../shared/domain/sources';
import { fakeStore } from '../../shared/domain/sources/fakestore';

/** Real FakeStore records (https://fakestoreapi.com), trimmed. */
const USER = {
  id: 1,
  email: 'john@gmail.com',
  username: 'johnd',
  password: 'm38rmF$',
  name: { firstname: 'john', lastname: 'doe' },
  address: {
    city: 'kilcoole',
    street: 'new road',
    number: 7682,
    zipcode: '12926-3874',
    geolocation: { lat: '-37.3159', long: '81.1496' },
  },
  phone: '1-570-236-7033',
  __v: 0,
};
const PRODUCT = {
  id: 1,
  title: 'Fjallraven - Foldsack No. 1 Backpack, Fits 15 Laptops',
  price: 109.95,
  description: 'Your perfect pack for everyday use',
  category: "men's clothing",
  image: 'https://fakestoreapi.com/img/81fPKd-2AYL._AC_SL1500_.jpg',
  rating: { rate: 3.9, count: 120 },
};
const CART = {
  id: 1,
  userId: 1,
  date: '2020-03-02T00:00:00.000Z',
  products: [
    { productId: 1, quantity: 4 },
    { productId: 2, quantity: 1 },
  ],
  __v: 0,
};

describe('the FakeStore source', () => {
  it('is registered as an API source without paging', () => {
    // Act + Assess
    expect(sourceNamed('fakestore')).toBe(fakeStore);
    expect(API_SOURCE_NAMES).toEqual(['dummyjson', 'fakestore']);
    expect(fakeStore.paging).toBe('none');
    expect(fakeStore.paths).toEqual({ customers: '/users', products: '/products', orders: '/carts' });
  });

  it('maps a user with its name and address to a canonical customer', () => {
    // Act + Assess
    expect(fakeStore.mapCustomer(USER)).toEqual({
      customer_id: 1,
      first_name: 'john',
      last_name: 'doe',
      email: 'john@gmail.com',
      address_line: '7682 new road',
      city: 'kilcoole',
      postal_code: '12926-3874',
      raw: USER,
    });
  });

  it('maps a product; it has no brand and no cost of its own', () => {
    // Act
    const product = fakeStore.mapProduct(PRODUCT);
    // Assess
    expect(product).toEqual({
      product_id: 1,
      title: PRODUCT.title,
      category: "men's clothing",
      unit_price: 109.95,
      raw: PRODUCT,
    });
  });

  it('maps a cart to one line per product, timed by the cart date, priced by the product', () => {
    // Act
    const lines = fakeStore.mapOrder(CART);
    // Assess
    expect(lines).toEqual([
      {
        order_id: 1,
        line_no: 1,
        order_ts: '2020-03-02T00:00:00.000Z',
        customer_id: 1,
        product_id: 1,
        quantity: 4,
        unit_price: undefined,
        raw: { cartId: 1, userId: 1, date: '2020-03-02T00:00:00.000Z', line: CART.products[0] },
      },
      expect.objectContaining({ order_id: 1, line_no: 2, product_id: 2, quantity: 1 }),
    ]);
  });

  it.each([
    { name: 'a cart without products', cart: { id: 2, userId: 1, date: '2020-01-01' } },
    { name: 'a cart whose products is not a list', cart: { id: 3, userId: 1, products: 'x' } },
    { name: 'something that is not a cart', cart: 42 },
  ])('maps $name to no lines', ({ cart }) => {
    // Act + Assess
    expect(fakeStore.mapOrder(cart)).toEqual([]);
  });

  it.each([
    { name: 'a list', body: [USER, { id: 2 }], records: 2 },
    { name: 'an empty list', body: [], records: 0 },
  ])('reads $name as the records of a response', ({ body, records }) => {
    // Act + Assess
    expect(fakeStore.recordsOf('customers', body).records).toHaveLength(records);
  });

  it.each([
    { name: 'a DummyJSON page', body: { users: [USER], total: 1, skip: 0, limit: 1 } },
    { name: 'a list of numbers', body: [1, 2] },
    { name: 'null', body: null },
  ])('refuses $name as a FakeStore response', ({ body }) => {
    // Act + Assess
    expect(() => fakeStore.recordsOf('customers', body)).toThrow();
  });

  it('maps every record of the generated FakeStore shop, lines and their quantities intact', () => {
    // Prepare
    const shop = generateShop({ seed: 3, users: 10, products: 8, carts: 20 });
    const view = toFakeStore(shop);
    // Act
    const lines = view.carts.flatMap((cart) => fakeStore.mapOrder(cart));
    const customers = view.users.map((user) => fakeStore.mapCustomer(user));
    // Assess
    expect(lines).toHaveLength(shop.carts.reduce((n, c) => n + c.products.length, 0));
    expect(lines.map((l) => l.quantity)).toEqual(
      shop.carts.flatMap((c) => c.products.map((p) => p.quantity)),
    );
    expect(customers.map((c) => c.city)).toEqual(shop.users.map((u) => u.address.city));
    expect(
      lines.every((l) => typeof l.order_ts === 'string' && !Number.isNaN(Date.parse(String(l.order_ts)))),
    ).toBe(true);
  });
});
