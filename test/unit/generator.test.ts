import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDrop } from '../../local/drop-writer';
import {
  type Cart,
  type CartLine,
  type ExpectedTotals,
  expectedTotals,
  FAKESTORE_DATES_FROM,
  findAnomalies,
  generateDrop,
  generateShop,
  INVALID_KINDS,
  type InvalidKind,
  type Shop,
  toFakeStore,
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

describe('toFakeStore', () => {
  it('serves the same users, products and cart lines in FakeStore shapes, with deterministic dates', () => {
    // Prepare
    const shop = generateShop({ seed: 9, users: 5, products: 6, carts: 12 });
    // Act
    const view = toFakeStore(shop);
    // Assess
    expect(view.users.map((u) => [u.id, u.name.firstname, u.address.city])).toEqual(
      shop.users.map((u) => [u.id, u.firstName, u.address.city]),
    );
    expect(view.products.map((p) => [p.id, p.price, p.category])).toEqual(
      shop.products.map((p) => [p.id, p.price, p.category]),
    );
    expect(view.carts.map((c) => [c.id, c.userId, c.products])).toEqual(
      shop.carts.map((c) => [
        c.id,
        c.userId,
        c.products.map((l) => ({ productId: l.id, quantity: l.quantity })),
      ]),
    );
    for (const cart of view.carts) {
      const time = Date.parse(cart.date);
      expect(time).toBeGreaterThanOrEqual(FAKESTORE_DATES_FROM);
      expect(time).toBeLessThan(FAKESTORE_DATES_FROM + 30 * 86_400_000);
    }
    expect(toFakeStore(shop)).toEqual(view);
  });
});

describe('generateDrop', () => {
  it('writes the same bytes for the same options and different ones for another seed', () => {
    // Act
    const a = generateDrop({ seed: 5, orders: 50 });
    const b = generateDrop({ seed: 5, orders: 50 });
    const c = generateDrop({ seed: 6, orders: 50 });
    // Assess
    expect(a).toEqual(b);
    expect(c.files['sales.jsonl']).not.toBe(a.files['sales.jsonl']);
  });

  it("writes the contract's four files, their records split as reported", () => {
    // Act
    const { files, report } = generateDrop({ seed: 1, customers: 7, products: 5, orders: 21 });
    // Assess
    expect(Object.keys(files).sort()).toEqual(['customers.csv', 'products.csv', 'sales.json', 'sales.jsonl']);
    expect(files['customers.csv']?.split('\n')[0]).toBe(
      'customer_id,first_name,last_name,email,city,state,country,postal_code',
    );
    expect(files['products.csv']?.split('\n')[0]).toBe('product_id,title,category,brand,unit_price,cost');
    expect(report.files).toEqual({
      'customers.csv': 7,
      'products.csv': 5,
      'sales.json': 10,
      'sales.jsonl': 11,
    });
    expect(JSON.parse(files['sales.json']!)).toHaveLength(10);
    expect(files['sales.jsonl']?.trimEnd().split('\n')).toHaveLength(11);
  });

  it.each([0, 0.05, 0.1, 0.37, 1])(
    'makes round(n x %s) events of each file invalid and counts them all',
    (rate) => {
      // Act
      const { report } = generateDrop({ seed: 2, orders: 300, invalidRate: rate });
      // Assess
      expect(report.invalid).toBe(Math.round(150 * rate) * 2);
      expect(report.valid + report.invalid).toBe(300);
      expect(report.events).toBe(300);
      expect(report.rejected + report.duplicates).toBe(report.invalid);
      const byKind = Object.values(report.invalidByKind).reduce((n, k) => n + (k ?? 0), 0);
      expect(byKind).toBe(report.invalid);
      const byReason = Object.values(report.rejectsByReason).reduce((n, k) => n + (k ?? 0), 0);
      expect(byReason).toBe(report.rejected);
    },
  );

  it("makes every invalid kind at an equal share, each event invalid in its kind's way", () => {
    // Prepare
    const { files, report } = generateDrop({ seed: 4, orders: 440, invalidRate: 0.5 });
    const events = [
      ...(JSON.parse(files['sales.json']!) as Record<string, unknown>[]),
      ...files['sales.jsonl']!.trimEnd()
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    ];
    const customers = new Set(
      files['customers.csv']!.split('\n')
        .slice(1)
        .map((row) => row.split(',')[0]),
    );
    const products = new Set(
      files['products.csv']!.split('\n')
        .slice(1)
        .map((row) => row.split(',')[0]),
    );
    const ids = events.map((e) => e.event_id).filter((id) => id !== undefined);

    // Assess: each kind near 220 / 11 (the array file has no unparseable kind)
    for (const kind of Object.keys(INVALID_KINDS) as InvalidKind[]) {
      expect(report.invalidByKind[kind], kind).toBeGreaterThanOrEqual(kind === 'unparseable' ? 10 : 19);
    }
    expect(events.filter((e) => !('event_id' in e))).toHaveLength(report.invalidByKind.missing_id ?? 0);
    expect(ids.length - new Set(ids).size).toBe(report.duplicates);
    expect(events.filter((e) => !customers.has(String(e.customer_id)))).toHaveLength(
      report.invalidByKind.unknown_customer ?? 0,
    );
    expect(events.filter((e) => !products.has(String(e.product_id)))).toHaveLength(
      report.invalidByKind.unknown_product ?? 0,
    );
    expect(events.filter((e) => e.quantity === 0)).toHaveLength(report.invalidByKind.zero_quantity ?? 0);
    expect(events.filter((e) => typeof e.quantity === 'number' && e.quantity < 0)).toHaveLength(
      report.invalidByKind.negative_quantity ?? 0,
    );
    expect(events.filter((e) => typeof e.unit_price === 'string')).toHaveLength(
      report.invalidByKind.non_numeric_amount ?? 0,
    );
    const brokenLines = files['sales.jsonl']!.trimEnd()
      .split('\n')
      .filter((line) => {
        try {
          JSON.parse(line);
          return false;
        } catch {
          return true;
        }
      });
    expect(brokenLines).toHaveLength(report.invalidByKind.unparseable ?? 0);
  });

  it('reports the revenue of the valid events in integer cents, total = unit price x quantity', () => {
    // Prepare
    const { files, report } = generateDrop({ seed: 8, orders: 100, invalidRate: 0 });
    const events = JSON.parse(files['sales.json']!) as {
      unit_price: number;
      quantity: number;
      total_amount: number;
    }[];
    const lines = files['sales.jsonl']!.trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as (typeof events)[number]);
    // Act
    const cents = [...events, ...lines].reduce(
      (sum, e) => sum + Math.round(e.unit_price * 100) * e.quantity,
      0,
    );
    // Assess
    expect(report.revenueCents).toBe(cents);
    for (const e of [...events, ...lines]) {
      expect(Math.round(e.total_amount * 100)).toBe(Math.round(e.unit_price * 100) * e.quantity);
    }
  });

  it('writes an empty drop for zero orders: an empty array and an empty JSON Lines file', () => {
    // Act
    const { files, report } = generateDrop({ orders: 0 });
    // Assess
    expect(files['sales.json']).toBe('[]\n');
    expect(files['sales.jsonl']).toBe('');
    expect(report.events).toBe(0);
  });

  it.each([{ invalidRate: -0.1 }, { invalidRate: 1.5 }, { orders: -1 }, { orders: 1.5 }])(
    'refuses %o',
    (options) => {
      // Act + Assess
      expect(() => generateDrop(options)).toThrow(RangeError);
    },
  );

  it('streams to disk exactly the bytes it builds in memory', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'drop-'));
    const options = { seed: 12, customers: 9, products: 6, orders: 77, invalidRate: 0.2 };
    try {
      // Act
      const report = await writeDrop(dir, options);
      // Assess
      const memory = generateDrop(options);
      expect(report).toEqual(memory.report);
      for (const [name, content] of Object.entries(memory.files)) {
        expect(await readFile(join(dir, name), 'utf8'), name).toBe(content);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
