/**
 * A tiny embedded HTTP server (node:http only) serving a generated shop, so ingest can run offline
 * against a real socket. Loopback only. Two URL dialects: DummyJSON's at the root (`/carts`, paged
 * with limit/skip) and FakeStore's under `/fakestore` (`/fakestore/carts`, one array each).
 *
 * Each URL dialect is a `Dialect` in `DIALECTS`; faults (latency, error statuses with Retry-After,
 * truncated bodies, stalls past a client's timeout) are injected per request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeStoreShop, type Shop, toFakeStore } from './generator';

/** What one request gets instead of a plain answer. */
export type FaultStep =
  /** Answered normally. */
  | 'ok'
  /** The real answer, cut to its first half (a 200 whose body is not JSON). */
  | 'truncate'
  /** An error status with a JSON body; `retryAfter` sets the header (429/503 default to `0`). */
  | { status: number; retryAfter?: string }
  /** The real answer, held back this long (past a client's timeout, it times out). */
  | { stallMs: number };

export interface FakeApiFaults {
  /** Delay every response by this many milliseconds. */
  latencyMs?: number;
  /** The first `count` requests answer `status` with a JSON error body (429/503 add `Retry-After: 0`). */
  failFirst?: { status: number; count: number; retryAfter?: string };
  /**
   * Faults of the first requests, in arrival order: request n gets step n; requests beyond the list
   * are answered normally. With `failFirst` too, the sequence comes first, then its failures.
   */
  sequence?: readonly FaultStep[];
}

export interface FakeApiOptions {
  shop: Shop;
  /** Loopback address to bind: `127.0.0.1` (default), `::1` or `localhost`. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  faults?: FakeApiFaults;
}

export interface FakeApi {
  /** e.g. `http://127.0.0.1:54321`, no trailing slash. */
  baseUrl: string;
  /** Path and query of every request received, in arrival order (failed ones included). */
  requests: string[];
  /** Stops the server and ends every open socket. */
  close(): Promise<void>;
}

interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send only the first half of the JSON text. */
  truncate?: boolean;
}

/** One URL dialect of the fake API, mounted under `prefix`. */
interface Dialect {
  /** Path prefix without trailing slash; '' for the root. */
  prefix: string;
  /** Answers `segments` (the path after the prefix, split on '/'), or undefined when not its route. */
  route(segments: readonly string[], query: URLSearchParams, shop: Shop): JsonReply | undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_LIMIT = 30;

/** DummyJSON: `/users`, `/products`, `/carts` (paged with `limit`/`skip`) and `/<entity>/<id>`. */
const dummyJson: Dialect = {
  prefix: '',
  route(segments, query, shop) {
    const [entity, id, ...rest] = segments;
    if (entity === undefined || rest.length > 0) return undefined;
    const collections: Record<string, { items: ReadonlyArray<{ id: number }>; noun: string }> = {
      users: { items: shop.users, noun: 'User' },
      products: { items: shop.products, noun: 'Product' },
      carts: { items: shop.carts, noun: 'Cart' },
    };
    const collection = Object.hasOwn(collections, entity) ? collections[entity] : undefined;
    if (!collection) return undefined;
    if (id === undefined) return page(entity, collection.items, query);
    const item = /^\d+$/.test(id) ? collection.items.find((it) => it.id === Number(id)) : undefined;
    return item
      ? { status: 200, body: item }
      : { status: 404, body: { message: `${collection.noun} with id '${id}' not found` } };
  },
};

const fakeStoreViews = new WeakMap<Shop, FakeStoreShop>();

/**
 * FakeStore: `/fakestore/users`, `/products`, `/carts` answer one JSON array with everything
 * (`?limit=N` keeps the first N, as FakeStore does) and `/<entity>/<id>` one item.
 */
const fakeStore: Dialect = {
  prefix: '/fakestore',
  route(segments, query, shop) {
    const [entity, id, ...rest] = segments;
    if (entity === undefined || rest.length > 0) return undefined;
    let view = fakeStoreViews.get(shop);
    if (!view) {
      view = toFakeStore(shop);
      fakeStoreViews.set(shop, view);
    }
    const collections: Record<string, ReadonlyArray<{ id: number }>> = {
      users: view.users,
      products: view.products,
      carts: view.carts,
    };
    const items = Object.hasOwn(collections, entity) ? collections[entity] : undefined;
    if (!items) return undefined;
    if (id === undefined) {
      const limit = nonNegativeInt(query.get('limit'), 0);
      if (limit === undefined)
        return { status: 400, body: { message: 'limit must be a non-negative integer' } };
      return { status: 200, body: limit === 0 ? items : items.slice(0, limit) };
    }
    const item = /^\d+$/.test(id) ? items.find((it) => it.id === Number(id)) : undefined;
    // FakeStore answers an unknown id with 200 and an empty body; a 404 is kinder to tests.
    return item
      ? { status: 200, body: item }
      : { status: 404, body: { message: `${entity} ${id} not found` } };
  },
};

/** Every mounted dialect; the first whose prefix and route match answers. */
const DIALECTS: readonly Dialect[] = [fakeStore, dummyJson];

/**
 * Starts the fake shop API on loopback and resolves once it listens. Pass `port: 0` (the default) to
 * get a free port; read it from `baseUrl`.
 */
export async function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`fake API binds to loopback only, got host '${host}'`);
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const faults = options.faults ?? {};
  const sequence = faults.sequence ?? [];
  let remainingFailures = faults.failFirst?.count ?? 0;

  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    const step: FaultStep =
      requests.length < sequence.length
        ? (sequence[requests.length] ?? 'ok')
        : remainingFailures > 0
          ? { status: faults.failFirst?.status ?? 500, retryAfter: faults.failFirst?.retryAfter }
          : 'ok';
    if (requests.length >= sequence.length && remainingFailures > 0) remainingFailures -= 1;
    requests.push(target);
    let reply: JsonReply;
    let delayMs = faults.latencyMs ?? 0;
    if (typeof step === 'object' && 'status' in step) {
      reply = injectedFailure(step.status, step.retryAfter);
    } else {
      reply = answer(req, options.shop);
      if (step === 'truncate') reply = { ...reply, truncate: true };
      if (typeof step === 'object') delayMs += step.stallMs;
    }
    if (delayMs <= 0) return send(res, reply);
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(res, reply);
    }, delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    baseUrl: `http://${urlHost}:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function answer(req: IncomingMessage, shop: Shop): JsonReply {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return {
      status: 405,
      body: { message: `Method ${req.method} not allowed` },
      headers: { allow: 'GET, HEAD' },
    };
  }
  const url = new URL(req.url ?? '/', 'http://fake-api.local');
  const path = url.pathname.replace(/\/+$/, '');
  for (const dialect of DIALECTS) {
    if (dialect.prefix !== '' && path !== dialect.prefix && !path.startsWith(`${dialect.prefix}/`)) continue;
    const segments = path.slice(dialect.prefix.length).split('/').filter(Boolean);
    const reply = dialect.route(segments, url.searchParams, shop);
    if (reply) return reply;
  }
  return { status: 404, body: { message: `Route '${url.pathname}' not found` } };
}

/**
 * DummyJSON paging: `limit` defaults to 30 and `limit=0` means all; `skip` defaults to 0. As DummyJSON
 * does, the reply's `limit` is the number of items actually returned.
 */
function page(entity: string, items: readonly unknown[], query: URLSearchParams): JsonReply {
  const limit = nonNegativeInt(query.get('limit'), DEFAULT_LIMIT);
  const skip = nonNegativeInt(query.get('skip'), 0);
  if (limit === undefined || skip === undefined) {
    return { status: 400, body: { message: 'limit and skip must be non-negative integers' } };
  }
  const slice = items.slice(skip, limit === 0 ? undefined : skip + limit);
  return { status: 200, body: { [entity]: slice, total: items.length, skip, limit: slice.length } };
}

function nonNegativeInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function injectedFailure(status: number, retryAfter?: string): JsonReply {
  const header = retryAfter ?? (status === 429 || status === 503 ? '0' : undefined);
  return {
    status,
    body: { message: `Injected failure (${status})` },
    ...(header !== undefined ? { headers: { 'retry-after': header } } : {}),
  };
}

function send(res: ServerResponse, reply: JsonReply): void {
  if (res.destroyed || res.writableEnded) return;
  const json = JSON.stringify(reply.body);
  const payload = reply.truncate ? json.slice(0, Math.floor(json.length / 2)) : json;
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}
