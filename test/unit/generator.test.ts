import { describe, expect, it } from 'vitest';
import {
  type Cart,
  type CartLine,
  type ExpectedTotals,
  expectedTotals,
  findAnomalies,
  generateShop,
  type Shop,
  UNKNOWN_PRODUCT_ID,
  UNKNOWN_USER_ID,
} from '../../local/generator';
import { REASON } from '../../shared/constants';

const toCents = (amount: number): number => Math.round(amount * 100);

function line(id: number, price: number, quantity: number): CartLine {
  const total = Math.round(price * 100 * quantity) / 100;
  return {
    id,
    title: `Product ${id}`,
    price,
    quantity,
    total,
    discountPercentage: 0,
    discountedTotal: total,
    thumbnail: '',
  };
}

function cart(id: number, userId: number, lines: CartLine[]): Cart {
  return {
    id,
    userId,
    products: lines,
    total: 0,
    discountedTotal: 0,
    totalProducts: lines.length,
    totalQuantity: lines.reduce((sum, l) => sum + l.quantity, 0),
  };
}

/** A shop with users 1..2 and products 1..3 priced 9.99, 0.1 and 1299.5. */
function tinyShop(carts: Cart[]): Shop {
  const product = (id: number, price: number) => ({
    id,
    title: `Product ${id}`,
    description: '',
    category: 'groceries',
    price,
    discountPercentage: 0,
    rating: 4,
    stock: 1,
    sku: `SKU-${id}`,
  });
  const user = (id: number) => ({
    id,
    firstName: 'A',
    lastName: 'B',
    email: `u${id}@example.com`,
    phone: '+1 000-000-0000',
    age: 30,
    address: { address: '', city: '', state: '', stateCode: '', postalCode: '', country: '' },
  });
  return {
    users: [user(1), user(2)],
    products: [product(1, 9.99), product(2, 0.1), product(3, 1299.5)],
    carts,
  };
}

describe('generateShop', () => {
  it('gives deep-equal shops for the same seed', () => {
    // Prepare
    const options = { seed: 7, users: 20, products: 15, carts: 30 };

    // Act
    const first = generateShop(options);
    const second = generateShop(options);

    // Assess
    expect(second).toEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('gives different shops for different seeds', () => {
    // Act
    const a = generateShop({ seed: 1 });
    const b = generateShop({ seed: 2 });

    // Assess
    expect(b).not.toEqual(a);
  });

  it('uses the documented defaults', () => {
    // Act
    const shop = generateShop();

    // Assess
    expect(shop.users).toHaveLength(60);
    expect(shop.products).toHaveLength(40);
    expect(shop.carts).toHaveLength(120);
    expect(shop).toEqual(generateShop({ seed: 42, anomalies: true }));
  });

  it('gives products prices with at most 2 decimals, and leaves some unbranded', () => {
    // Act
    const { products } = generateShop({ products: 200, carts: 0 });

    // Assess
    for (const product of products) {
      expect(product.price).toBeGreaterThan(0);
      expect(String(product.price)).toMatch(/^\d+(\.\d{1,2})?$/);
      expect(product.discountPercentage).toBeGreaterThanOrEqual(0);
      expect(product.discountPercentage).toBeLessThanOrEqual(20);
    }
    expect(products.some((p) => !('brand' in p))).toBe(true);
    expect(products.some((p) => typeof p.brand === 'string')).toBe(true);
  });

  it('keeps every line and cart total consistent with its prices and quantities', () => {
    // Prepare
    const shop = generateShop({ seed: 3 });
    const priceOf = new Map(shop.products.map((p) => [p.id, p.price]));

    for (const c of shop.carts) {
      // Act
      const lineCents = c.products.map((l) => toCents(l.total));

      // Assess
      expect(c.products.length).toBeGreaterThanOrEqual(1);
      expect(c.products.length).toBeLessThanOrEqual(5);
      expect(new Set(c.products.map((l) => l.id)).size).toBe(c.products.length);
      for (const l of c.products) {
        if (priceOf.has(l.id)) expect(l.price).toBe(priceOf.get(l.id));
        expect(toCents(l.total)).toBe(toCents(l.price) * l.quantity);
        expect(Math.abs(l.discountedTotal - l.total * (1 - l.discountPercentage / 100))).toBeLessThan(0.0051);
        expect(toCents(l.discountPercentage) / 100).toBe(l.discountPercentage);
        expect(l.discountPercentage).toBeLessThanOrEqual(20);
      }
      expect(toCents(c.total)).toBe(lineCents.reduce((a, b) => a + b, 0));
      expect(toCents(c.discountedTotal)).toBe(c.products.reduce((a, l) => a + toCents(l.discountedTotal), 0));
      expect(c.totalProducts).toBe(c.products.length);
      expect(c.totalQuantity).toBe(c.products.reduce((a, l) => a + l.quantity, 0));
    }
  });

  it('includes an unknown user, an unknown product and a zero quantity when anomalies are enabled', () => {
    // Act
    const anomalies = findAnomalies(generateShop({ anomalies: true }));

    // Assess
    expect(anomalies.length).toBeGreaterThanOrEqual(3);
    expect(anomalies.length).toBeLessThanOrEqual(6);
    expect(anomalies).toContainEqual(
      expect.objectContaining({ userId: UNKNOWN_USER_ID, reason: REASON.unknownCustomer }),
    );
    expect(anomalies).toContainEqual(
      expect.objectContaining({ productId: UNKNOWN_PRODUCT_ID, reason: REASON.unknownProduct }),
    );
    expect(anomalies).toContainEqual(expect.objectContaining({ reason: REASON.invalidQuantity }));
  });

  it('has only valid rows when anomalies are disabled', () => {
    // Act
    const shop = generateShop({ anomalies: false });

    // Assess
    expect(findAnomalies(shop)).toEqual([]);
    const lines = shop.carts.reduce((n, c) => n + c.products.length, 0);
    expect(expectedTotals(shop)).toMatchObject({ validLines: lines, orders: shop.carts.length });
  });

  it('injects the same anomalies for every seed', () => {
    // Act
    const reasons = [1, 2, 3].map((seed) => findAnomalies(generateShop({ seed })).map((a) => a.reason));

    // Assess
    for (const r of reasons) {
      expect(new Set(r)).toEqual(
        new Set([REASON.unknownCustomer, REASON.unknownProduct, REASON.invalidQuantity]),
      );
    }
  });

  it('rejects counts that would collide with the unknown ids', () => {
    // Act + Assess
    expect(() => generateShop({ users: UNKNOWN_USER_ID })).toThrow(RangeError);
    expect(() => generateShop({ products: 0 })).toThrow(RangeError);
  });
});

describe('expectedTotals', () => {
  const cases: { name: string; carts: Cart[]; expected: ExpectedTotals }[] = [
    {
      name: 'is zero for a shop without carts',
      carts: [],
      expected: { validLines: 0, revenueCents: 0, orders: 0 },
    },
    {
      name: 'sums integer cents, not floats (0.1 x 3 is 30 cents)',
      carts: [cart(1, 1, [line(2, 0.1, 3), line(1, 9.99, 2)])],
      expected: { validLines: 2, revenueCents: 30 + 1998, orders: 1 },
    },
    {
      name: 'counts each cart with a valid line as one order',
      carts: [cart(1, 1, [line(3, 1299.5, 1)]), cart(2, 2, [line(1, 9.99, 1), line(2, 0.1, 1)])],
      expected: { validLines: 3, revenueCents: 129950 + 999 + 10, orders: 2 },
    },
    {
      name: 'skips every line of a cart whose user does not exist',
      carts: [cart(1, 9999, [line(1, 9.99, 1), line(2, 0.1, 1)]), cart(2, 1, [line(1, 9.99, 1)])],
      expected: { validLines: 1, revenueCents: 999, orders: 1 },
    },
    {
      name: 'skips lines whose product does not exist',
      carts: [cart(1, 1, [line(9999, 5, 1), line(1, 9.99, 1)])],
      expected: { validLines: 1, revenueCents: 999, orders: 1 },
    },
    {
      name: 'skips zero, negative and fractional quantities',
      carts: [cart(1, 1, [line(1, 9.99, 0), line(2, 0.1, -1), line(3, 1299.5, 1.5)])],
      expected: { validLines: 0, revenueCents: 0, orders: 0 },
    },
  ];

  it.each(cases)('$name', ({ carts, expected }) => {
    // Prepare
    const shop = tinyShop(carts);

    // Act
    const totals = expectedTotals(shop);

    // Assess
    expect(totals).toEqual(expected);
  });

  it('agrees with the anomalies of a generated shop', () => {
    // Prepare
    const shop = generateShop();
    const allLines = shop.carts.reduce((n, c) => n + c.products.length, 0);

    // Act
    const totals = expectedTotals(shop);

    // Assess
    expect(totals.validLines).toBe(allLines - findAnomalies(shop).length);
    expect(Number.isInteger(totals.revenueCents)).toBe(true);
    expect(totals.orders).toBeLessThan(shop.carts.length);
  });
});
