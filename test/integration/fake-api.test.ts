import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApi, startFakeApi } from '../../local/fake-api';
import { type Cart, type FakeStoreCart, generateShop, toFakeStore } from '../../local/generator';

interface CartPage {
  carts: Cart[];
  total: number;
  skip: number;
  limit: number;
}

describe('the fake shop API', () => {
  const shop = generateShop({ seed: 11, carts: 120 });
  let api: FakeApi;

  beforeAll(async () => {
    api = await startFakeApi({ shop });
  });

  afterAll(async () => {
    await api.close();
  });

  it('listens on a free loopback port', () => {
    // Assess
    expect(api.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.baseUrl).not.toMatch(/:0$/);
  });

  it('pages through every cart exactly once with limit and skip', async () => {
    // Prepare
    const seen: number[] = [];
    let skip = 0;
    let total = Number.POSITIVE_INFINITY;

    // Act
    while (skip < total) {
      const res = await fetch(`${api.baseUrl}/carts?limit=50&skip=${skip}`);
      const page = (await res.json()) as CartPage;
      expect(res.status).toBe(200);
      expect(page.skip).toBe(skip);
      expect(page.limit).toBe(page.carts.length);
      seen.push(...page.carts.map((c) => c.id));
      total = page.total;
      skip += 50;
    }

    // Assess
    expect(total).toBe(shop.carts.length);
    expect(seen).toEqual(shop.carts.map((c) => c.id));
    expect(api.requests).toEqual(
      expect.arrayContaining([
        '/carts?limit=50&skip=0',
        '/carts?limit=50&skip=50',
        '/carts?limit=50&skip=100',
      ]),
    );
  });

  it('returns every row for limit=0 and 30 rows by default', async () => {
    // Act
    const all = (await (await fetch(`${api.baseUrl}/carts?limit=0`)).json()) as CartPage;
    const first = (await (await fetch(`${api.baseUrl}/products`)).json()) as {
      products: unknown[];
      total: number;
    };

    // Assess
    expect(all.carts).toEqual(shop.carts);
    expect(all).toMatchObject({ total: shop.carts.length, skip: 0, limit: shop.carts.length });
    expect(first.products).toHaveLength(30);
    expect(first.total).toBe(shop.products.length);
  });

  it('returns one user by id as JSON', async () => {
    // Act
    const res = await fetch(`${api.baseUrl}/users/1`);

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(shop.users[0]);
  });

  it('answers 404 with a message for an unknown id or path', async () => {
    // Act
    const unknownId = await fetch(`${api.baseUrl}/products/9999`);
    const unknownPath = await fetch(`${api.baseUrl}/orders`);

    // Assess
    expect(unknownId.status).toBe(404);
    expect(await unknownId.json()).toEqual({ message: "Product with id '9999' not found" });
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toHaveProperty('message');
  });

  it('answers 400 for a limit that is not a non-negative integer', async () => {
    // Act
    const res = await fetch(`${api.baseUrl}/users?limit=-1`);

    // Assess
    expect(res.status).toBe(400);
  });
});

describe('the fake shop API with injected faults', () => {
  it.each([
    { status: 429, retryAfter: '0' },
    { status: 500, retryAfter: null },
  ])('answers $status for the first requests, then succeeds', async ({ status, retryAfter }) => {
    // Prepare
    const api = await startFakeApi({
      shop: generateShop({ carts: 5 }),
      faults: { failFirst: { status, count: 2 } },
    });

    try {
      // Act
      const replies: { status: number; retryAfter: string | null; body: unknown }[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${api.baseUrl}/carts`);
        replies.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: await res.json(),
        });
      }

      // Assess
      expect(replies.map((r) => r.status)).toEqual([status, status, 200]);
      expect(replies[0]?.retryAfter).toBe(retryAfter);
      expect(replies[0]?.body).toHaveProperty('message');
      expect((replies[2]!.body as CartPage).carts).toHaveLength(5);
      expect(api.requests).toEqual(['/carts', '/carts', '/carts']);
    } finally {
      await api.close();
    }
  });

  it('delays responses by latencyMs and still closes promptly', async () => {
    // Prepare
    const api = await startFakeApi({ shop: generateShop({ carts: 1 }), faults: { latencyMs: 150 } });
    const started = performance.now();

    // Act
    const res = await fetch(`${api.baseUrl}/users/1`);
    const elapsed = performance.now() - started;
    const closing = performance.now();
    await api.close();

    // Assess
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(performance.now() - closing).toBeLessThan(1000);
  });

  it('refuses to bind a non-loopback host', async () => {
    // Act + Assess
    await expect(startFakeApi({ shop: generateShop({ carts: 1 }), host: '0.0.0.0' })).rejects.toThrow(
      /loopback/,
    );
  });
});

describe('the fake shop API in the FakeStore dialect', () => {
  const shop = generateShop({ seed: 13, users: 8, products: 6, carts: 40 });
  let api: FakeApi;

  beforeAll(async () => {
    api = await startFakeApi({ shop });
  });

  afterAll(async () => {
    await api.close();
  });

  it.each(['users', 'products', 'carts'] as const)(
    'answers /fakestore/%s with one array of everything',
    async (entity) => {
      // Act
      const res = await fetch(`${api.baseUrl}/fakestore/${entity}`);
      const body = (await res.json()) as unknown[];
      // Assess
      expect(res.status).toBe(200);
      expect(body).toEqual(toFakeStore(shop)[entity]);
      expect(body).toHaveLength(shop[entity].length);
    },
  );

  it('serves carts with a date, a user id and lines without prices', async () => {
    // Act
    const carts = (await (await fetch(`${api.baseUrl}/fakestore/carts`)).json()) as FakeStoreCart[];
    // Assess
    expect(carts[0]).toEqual({
      id: 1,
      userId: shop.carts[0]!.userId,
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/),
      products: shop.carts[0]!.products.map((l) => ({ productId: l.id, quantity: l.quantity })),
      __v: 0,
    });
  });

  it('keeps the first N items for ?limit=N and answers one item by id', async () => {
    // Act
    const some = (await (await fetch(`${api.baseUrl}/fakestore/products?limit=2`)).json()) as unknown[];
    const one = await fetch(`${api.baseUrl}/fakestore/users/3`);
    const none = await fetch(`${api.baseUrl}/fakestore/users/999`);
    // Assess
    expect(some).toEqual(toFakeStore(shop).products.slice(0, 2));
    expect(((await one.json()) as { id: number }).id).toBe(3);
    expect(none.status).toBe(404);
  });
});

describe('the fake shop API with a fault sequence', () => {
  it('answers each request with its step of the sequence, then normally', async () => {
    // Prepare
    const api = await startFakeApi({
      shop: generateShop({ carts: 3 }),
      faults: {
        sequence: [{ status: 429, retryAfter: '2' }, { status: 500 }, 'truncate', 'ok', { status: 503 }],
      },
    });

    try {
      // Act
      const replies: { status: number; retryAfter: string | null; text: string }[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${api.baseUrl}/carts`);
        replies.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          text: await res.text(),
        });
      }

      // Assess
      expect(replies.map((r) => [r.status, r.retryAfter])).toEqual([
        [429, '2'],
        [500, null],
        [200, null],
        [200, null],
        [503, '0'],
        [200, null],
      ]);
      expect(() => JSON.parse(replies[2]!.text)).toThrow();
      expect(replies[2]!.text).toBe(replies[3]!.text.slice(0, Math.floor(replies[3]!.text.length / 2)));
      expect(JSON.parse(replies[5]!.text)).toEqual(JSON.parse(replies[3]!.text));
    } finally {
      await api.close();
    }
  });

  it('stalls a request past a client timeout, answers the next one at once, and still closes promptly', async () => {
    // Prepare
    const api = await startFakeApi({
      shop: generateShop({ carts: 1 }),
      faults: { sequence: [{ stallMs: 5_000 }] },
    });

    try {
      // Act
      const stalled = await fetch(`${api.baseUrl}/users/1`, { signal: AbortSignal.timeout(100) }).then(
        () => 'answered',
        (error: Error) => error.name,
      );
      const next = await fetch(`${api.baseUrl}/users/1`);
      const closing = performance.now();
      await api.close();

      // Assess
      expect(stalled).toBe('TimeoutError');
      expect(next.status).toBe(200);
      expect(performance.now() - closing).toBeLessThan(1000);
    } finally {
      await api.close().catch(() => undefined);
    }
  });
});
