import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApi, type FaultStep, startFakeApi } from '../../local/fake-api';
import { generateShop, type Shop, toFakeStore } from '../../local/generator';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { getJson, type HttpOptions } from '../../shared/adapters/http-client';
import { getText, type ObjectStore, S3ObjectStore } from '../../shared/adapters/object-store';
import { rawManifestSchema } from '../../shared/domain/manifest';
import { ObjectMissingError, SourceHttpError, SourceSchemaError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { type IngestDeps, runIngest } from '../../shared/stages/ingest';

const BUCKET = 'raw';
const PAGE_SIZE = 10;
const HTTP: HttpOptions = { timeoutMs: 2_000, maxAttempts: 3, backoffMs: 1, maxBackoffMs: 5 };

/** Forwards to an ObjectStore and records the order of the keys it puts. */
class RecordingStore implements ObjectStore {
  readonly puts: string[] = [];
  constructor(private readonly inner: ObjectStore) {}
  get(bucket: string, key: string) {
    return this.inner.get(bucket, key);
  }
  async put(bucket: string, key: string, body: Uint8Array | string, contentType: string) {
    this.puts.push(key);
    await this.inner.put(bucket, key, body, contentType);
  }
  list(bucket: string, prefix: string) {
    return this.inner.list(bucket, prefix);
  }
  getStream(bucket: string, key: string) {
    return this.inner.getStream(bucket, key);
  }
  async putStream(bucket: string, key: string, body: Readable, contentType: string) {
    this.puts.push(key);
    return await this.inner.putStream(bucket, key, body, contentType);
  }
  getRange(bucket: string, key: string, start: number, end: number) {
    return this.inner.getRange(bucket, key, start, end);
  }
  head(bucket: string, key: string) {
    return this.inner.head(bucket, key);
  }
}

interface PageRequest {
  entity: string;
  limit: number;
  skip: number;
}
type Reply = { status: number; body: unknown };
/** Given the request and the honest DummyJSON page, what the server answers. */
type Responder = (request: PageRequest, honest: Record<string, unknown>) => Reply;

/** A DummyJSON-compatible server on 127.0.0.1 whose answers a test can tamper with. */
async function startScriptedApi(shop: Shop, respond: Responder) {
  const collections: Record<string, unknown[]> = {
    users: shop.users,
    products: shop.products,
    carts: shop.carts,
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://scripted.local');
    const entity = url.pathname.replace(/^\/+/, '');
    const items = collections[entity];
    let reply: Reply;
    if (!items) {
      reply = { status: 404, body: { message: `Route '${url.pathname}' not found` } };
    } else {
      const limit = Number(url.searchParams.get('limit') ?? 30);
      const skip = Number(url.searchParams.get('skip') ?? 0);
      const slice = items.slice(skip, skip + limit);
      const honest = { [entity]: slice, total: items.length, skip, limit: slice.length };
      reply = respond({ entity, limit, skip }, honest);
    }
    const payload = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

describe('runIngest against the fake API and s3rver', () => {
  const shop = generateShop({ seed: 5, users: 12, products: 7, carts: 25 });
  let dir: string;
  let s3: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;
  let api: FakeApi;

  /** Ingest dependencies pointing at a base URL, with a store that records its puts. */
  const depsFor = (baseUrl: string, http: HttpOptions = HTTP) => {
    const recording = new RecordingStore(store);
    const deps: IngestDeps = {
      store: recording,
      config: {
        rawBucket: BUCKET,
        pageSize: PAGE_SIZE,
        sources: { dummyjson: { baseUrl }, fakestore: { baseUrl: `${baseUrl}/fakestore` } },
      },
      getJson: (url) => getJson(url, http),
      log: createLogger('silent'),
      now: () => new Date('2026-11-26T03:00:05.000Z'),
    };
    return { deps, recording };
  };

  /** Asserts that a run left no manifest behind, so enrich is never triggered for it. */
  const expectNoManifest = async (runPrefix: string) => {
    const keys = (await store.list(BUCKET, runPrefix)).map((o) => o.key);
    expect(keys.filter((k) => k.endsWith('_manifest.json'))).toEqual([]);
    await expect(store.get(BUCKET, `${runPrefix}_manifest.json`)).rejects.toBeInstanceOf(ObjectMissingError);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-test-'));
    s3 = await startS3Server({ directory: dir, buckets: [BUCKET] });
    client = new S3Client(s3ClientConfig(s3.endpoint));
    store = new S3ObjectStore(client);
    api = await startFakeApi({ shop });
  });

  afterAll(async () => {
    client?.destroy();
    await api?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every page of every entity under the run prefix, then the manifest with each checksum', async () => {
    // Prepare
    const { deps, recording } = depsFor(api.baseUrl);
    const prefix = 'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/';
    const expectedPages = [
      `${prefix}customers/part-00001.json`,
      `${prefix}customers/part-00002.json`,
      `${prefix}products/part-00001.json`,
      `${prefix}orders/part-00001.json`,
      `${prefix}orders/part-00002.json`,
      `${prefix}orders/part-00003.json`,
    ];

    // Act
    const manifest = await runIngest(deps, {
      source: 'dummyjson',
      scheduledTime: new Date('2026-11-26T03:00:00Z'),
    });

    // Assess
    const stored = (await store.list(BUCKET, prefix)).map((o) => o.key);
    expect(stored).toEqual([`${prefix}_manifest.json`, ...expectedPages].sort());
    expect(recording.puts).toEqual([...expectedPages, `${prefix}_manifest.json`]);
    expect(manifest).toMatchObject({
      stage: 'ingest',
      source: 'dummyjson',
      run_id: '20261126T030000Z',
      ingest_date: '2026-11-26',
      scheduled_time: '2026-11-26T03:00:00.000Z',
      ingested_at: '2026-11-26T03:00:05.000Z',
      totals: { customers: 12, products: 7, orders: 25 },
    });
    expect(manifest.files.map((f) => [f.key, f.entity, f.records])).toEqual([
      [expectedPages[0], 'customers', 10],
      [expectedPages[1], 'customers', 2],
      [expectedPages[2], 'products', 7],
      [expectedPages[3], 'orders', 10],
      [expectedPages[4], 'orders', 10],
      [expectedPages[5], 'orders', 5],
    ]);
    expect(manifest.files[5]?.url).toBe(`${api.baseUrl}/carts?limit=10&skip=20`);

    const written = rawManifestSchema.parse(
      JSON.parse(await getText(store, BUCKET, `${prefix}_manifest.json`)),
    );
    expect(written).toEqual(manifest);

    const lastCarts = manifest.files[5]!;
    const body = await store.get(BUCKET, lastCarts.key);
    expect(createHash('sha256').update(body).digest('hex')).toBe(lastCarts.sha256);
    expect(body.byteLength).toBe(lastCarts.bytes);
    const page = JSON.parse(new TextDecoder().decode(body)) as { carts: unknown[] };
    expect(page.carts).toEqual(shop.carts.slice(20));
  });

  it('writes the same keys when the same scheduled time runs twice', async () => {
    // Prepare
    const { deps } = depsFor(api.baseUrl);
    const request = { source: 'dummyjson', scheduledTime: new Date('2026-11-27T03:00:00Z') };
    const first = await runIngest(deps, request);
    const keysAfterFirst = (await store.list(BUCKET, 'raw/')).map((o) => o.key);

    // Act
    const second = await runIngest(deps, request);

    // Assess
    const keysAfterSecond = (await store.list(BUCKET, 'raw/')).map((o) => o.key);
    expect(keysAfterSecond).toEqual(keysAfterFirst);
    expect(second.files).toEqual(first.files);
    expect(second.run_id).toBe('20261127T030000Z');
  });

  it('survives a 429 burst from the source through retries and completes the run', async () => {
    // Prepare
    const flaky = await startFakeApi({ shop, faults: { failFirst: { status: 429, count: 2 } } });
    const { deps } = depsFor(flaky.baseUrl);

    try {
      // Act
      const manifest = await runIngest(deps, {
        source: 'dummyjson',
        scheduledTime: new Date('2026-11-28T03:00:00Z'),
      });

      // Assess
      expect(manifest.totals).toEqual({ customers: 12, products: 7, orders: 25 });
      expect(flaky.requests.slice(0, 4)).toEqual([
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=10',
      ]);
      const keys = (await store.list(BUCKET, 'raw/source=dummyjson/ingest_date=2026-11-28/')).map(
        (o) => o.key,
      );
      expect(keys).toContain(
        'raw/source=dummyjson/ingest_date=2026-11-28/run_id=20261128T030000Z/_manifest.json',
      );
    } finally {
      await flaky.close();
    }
  });

  it.each<{ name: string; day: string; badPath: string; respond: Responder; expected: RegExp }>([
    {
      name: 'a second page shorter than total promises',
      day: '01',
      badPath: '/carts?limit=10&skip=10',
      respond: (req, honest) =>
        req.entity === 'carts' && req.skip === 10
          ? { status: 200, body: { ...honest, carts: shop.carts.slice(10, 13), limit: 3 } }
          : { status: 200, body: honest },
      expected: /inconsistent page/,
    },
    {
      name: 'a skip that does not match the request',
      day: '02',
      badPath: '/users?limit=10&skip=10',
      respond: (_req, honest) => ({ status: 200, body: { ...honest, skip: 0 } }),
      expected: /inconsistent page/,
    },
    {
      name: 'a total that changes between pages',
      day: '03',
      badPath: '/users?limit=10&skip=10',
      respond: (req, honest) =>
        req.entity === 'users' && req.skip === 10
          ? { status: 200, body: { ...honest, total: 30 } }
          : { status: 200, body: honest },
      expected: /inconsistent page/,
    },
    {
      name: 'a body without the carts array',
      day: '04',
      badPath: '/carts?limit=10&skip=0',
      respond: (req, honest) =>
        req.entity === 'carts'
          ? { status: 200, body: { items: honest.carts, total: honest.total, skip: 0, limit: 10 } }
          : { status: 200, body: honest },
      expected: /is not a dummyjson orders page/,
    },
  ])(
    'rejects $name with a SourceSchemaError naming the URL and writes no manifest',
    async ({ day, badPath, respond, expected }) => {
      // Prepare
      const scripted = await startScriptedApi(shop, respond);
      const { deps } = depsFor(scripted.baseUrl);
      const prefix = `raw/source=dummyjson/ingest_date=2026-12-${day}/run_id=202612${day}T030000Z/`;

      try {
        // Act
        const run = runIngest(deps, {
          source: 'dummyjson',
          scheduledTime: new Date(`2026-12-${day}T03:00:00Z`),
        });

        // Assess
        const error = await run.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SourceSchemaError);
        const schemaError = error as SourceSchemaError;
        expect(schemaError.kind).toBe('terminal');
        expect(schemaError.url).toBe(`${scripted.baseUrl}${badPath}`);
        expect(schemaError.message).toContain(`${scripted.baseUrl}${badPath}`);
        expect(schemaError.message).toMatch(expected);
        await expectNoManifest(prefix);
      } finally {
        await scripted.close();
      }
    },
  );

  it('fails with a SourceHttpError and writes no manifest when the source answers 500 to everything', async () => {
    // Prepare
    const requests: PageRequest[] = [];
    const broken = await startScriptedApi(shop, (req) => {
      requests.push(req);
      return { status: 500, body: { message: 'boom' } };
    });
    const { deps } = depsFor(broken.baseUrl);
    const prefix = 'raw/source=dummyjson/ingest_date=2026-12-10/run_id=20261210T030000Z/';

    try {
      // Act
      const error = await runIngest(deps, {
        source: 'dummyjson',
        scheduledTime: new Date('2026-12-10T03:00:00Z'),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(SourceHttpError);
      const httpError = error as SourceHttpError;
      expect(httpError.status).toBe(500);
      expect(httpError.kind).toBe('transient');
      expect(httpError.message).toContain(`${broken.baseUrl}/users?limit=10&skip=0`);
      expect(httpError.message).toContain('3 attempts');
      expect(requests).toHaveLength(HTTP.maxAttempts);
      expect(await store.list(BUCKET, prefix)).toEqual([]);
      await expectNoManifest(prefix);
    } finally {
      await broken.close();
    }
  });

  it('writes one page per entity of a FakeStore run, each the whole list', async () => {
    // Prepare
    const { deps } = depsFor(api.baseUrl);
    const prefix = 'raw/source=fakestore/ingest_date=2026-11-26/run_id=20261126T060000Z/';

    // Act
    const manifest = await runIngest(deps, {
      source: 'fakestore',
      scheduledTime: new Date('2026-11-26T06:00:00Z'),
    });

    // Assess
    expect(manifest.totals).toEqual({ customers: 12, products: 7, orders: 25 });
    expect(manifest.files.map((f) => [f.key, f.url, f.records])).toEqual([
      [`${prefix}customers/part-00001.json`, `${api.baseUrl}/fakestore/users`, 12],
      [`${prefix}products/part-00001.json`, `${api.baseUrl}/fakestore/products`, 7],
      [`${prefix}orders/part-00001.json`, `${api.baseUrl}/fakestore/carts`, 25],
    ]);
    const carts = JSON.parse(await getText(store, BUCKET, `${prefix}orders/part-00001.json`)) as unknown;
    expect(carts).toEqual(toFakeStore(shop).carts);
    expect((await store.list(BUCKET, prefix)).map((o) => o.key)).toContain(`${prefix}_manifest.json`);
  });

  it.each<{ name: string; step: FaultStep; day: string; wait?: number }>([
    {
      name: 'a 429 with Retry-After, waiting what it asks',
      step: { status: 429, retryAfter: '3' },
      day: '11',
      wait: 3_000,
    },
    { name: 'a 500', step: { status: 500 }, day: '12' },
    { name: 'a 503 without Retry-After', step: { status: 503, retryAfter: undefined }, day: '13' },
    { name: 'a request that times out', step: { stallMs: 10_000 }, day: '14' },
    { name: 'a truncated JSON body', step: 'truncate', day: '15' },
  ])('retries $name from the fake API and completes the run', async ({ step, day, wait }) => {
    // Prepare: the first two requests of the run fault; waits are recorded, not slept
    const faulty = await startFakeApi({ shop, faults: { sequence: [step, step] } });
    const waits: number[] = [];
    const http: HttpOptions = {
      ...HTTP,
      timeoutMs: 250,
      maxBackoffMs: 5_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
    };
    const { deps } = depsFor(faulty.baseUrl, http);

    try {
      // Act
      const manifest = await runIngest(deps, {
        source: 'dummyjson',
        scheduledTime: new Date(`2026-12-${day}T03:00:00Z`),
      });

      // Assess
      expect(manifest.totals).toEqual({ customers: 12, products: 7, orders: 25 });
      expect(faulty.requests.slice(0, 4)).toEqual([
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=0',
        '/users?limit=10&skip=10',
      ]);
      expect(waits).toHaveLength(2);
      if (wait !== undefined) expect(waits).toEqual([wait, wait]);
      else for (const ms of waits) expect(ms).toBeLessThanOrEqual(HTTP.backoffMs * 2);
    } finally {
      await faulty.close();
    }
  });

  it('gives up after the attempt cap on a fault that persists, naming the URL, with no manifest', async () => {
    // Prepare
    const faulty = await startFakeApi({
      shop,
      faults: { sequence: ['ok', 'truncate', 'truncate', 'truncate'] },
    });
    const { deps } = depsFor(faulty.baseUrl);
    const prefix = 'raw/source=dummyjson/ingest_date=2026-12-16/run_id=20261216T030000Z/';

    try {
      // Act
      const error = await runIngest(deps, {
        source: 'dummyjson',
        scheduledTime: new Date('2026-12-16T03:00:00Z'),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(SourceHttpError);
      expect((error as Error).message).toContain(`${faulty.baseUrl}/users?limit=10&skip=10`);
      expect((error as Error).message).toMatch(/not JSON \(truncated\?\).*after 3 attempts/);
      await expectNoManifest(prefix);
    } finally {
      await faulty.close();
    }
  });

  it('rejects a page that repeats records of an earlier page, with no manifest', async () => {
    // Prepare: page 2 of users holds users 9 and 10 again, with a plausible skip and count
    const scripted = await startScriptedApi(shop, (req, honest) =>
      req.entity === 'users' && req.skip === 10
        ? { status: 200, body: { ...honest, users: shop.users.slice(8, 10) } }
        : { status: 200, body: honest },
    );
    const { deps } = depsFor(scripted.baseUrl);

    try {
      // Act
      const error = await runIngest(deps, {
        source: 'dummyjson',
        scheduledTime: new Date('2026-12-17T03:00:00Z'),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(SourceSchemaError);
      expect((error as SourceSchemaError).url).toBe(`${scripted.baseUrl}/users?limit=10&skip=10`);
      expect((error as Error).message).toMatch(/overlapping page: record id 9/);
      await expectNoManifest('raw/source=dummyjson/ingest_date=2026-12-17/run_id=20261217T030000Z/');
    } finally {
      await scripted.close();
    }
  });

  it.each([
    { name: 'an object instead of a list', body: { users: [] } },
    { name: 'a list of strings', body: ['a', 'b'] },
  ])('rejects a FakeStore response that is $name, naming the URL, with no manifest', async ({ body }) => {
    // Prepare
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { deps } = depsFor(baseUrl);

    try {
      // Act
      const error = await runIngest(deps, {
        source: 'fakestore',
        scheduledTime: new Date('2026-12-18T03:00:00Z'),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(SourceSchemaError);
      expect((error as Error).message).toContain(
        `${baseUrl}/fakestore/users: response is not a fakestore customers page`,
      );
      await expectNoManifest('raw/source=fakestore/ingest_date=2026-12-18/run_id=20261218T030000Z/');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a source that has no base URL configured', async () => {
    // Prepare
    const { deps } = depsFor(api.baseUrl);
    // Act + Assess
    await expect(
      runIngest(deps, { source: 'files', scheduledTime: new Date('2026-12-19T03:00:00Z') }),
    ).rejects.toThrow(/unknown or unconfigured source "files"/);
  });
});
