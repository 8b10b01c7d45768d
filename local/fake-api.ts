/**
 * A tiny embedded HTTP server (node:http only) serving a generated shop with DummyJSON's URL and
 * paging semantics, so ingest can run offline against a real socket. Loopback only.
 *
 * Each URL dialect is a `Dialect` in `DIALECTS`: a FakeStore-shaped API (e.g. `/fakestore/products`)
 * is one more entry there.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Shop } from './generator';

export interface FakeApiFaults {
  /** Delay every response by this many milliseconds. */
  latencyMs?: number;
  /** The first `count` requests answer `status` with a JSON error body (429/503 add `Retry-After: 0`). */
  failFirst?: { status: number; count: number };
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

/** Every mounted dialect; the first whose prefix and route match answers. */
const DIALECTS: readonly Dialect[] = [dummyJson];

/**
 * Starts the fake shop API on loopback and resolves once it listens. Pass `port: 0` (the default) to
 * get a free port; read it from `baseUrl`.
 */
export async function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`fake API binds to loopback only, got host '${host}'`);
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let remainingFailures = options.faults?.failFirst?.count ?? 0;

  const server = createServer((req, res) => {
    const target = req.url ?? '/';
    requests.push(target);
    let reply: JsonReply;
    if (remainingFailures > 0) {
      remainingFailures -= 1;
      reply = injectedFailure(options.faults?.failFirst?.status ?? 500);
    } else {
      reply = answer(req, options.shop);
    }
    const latencyMs = options.faults?.latencyMs ?? 0;
    if (latencyMs <= 0) return send(res, reply);
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(res, reply);
    }, latencyMs);
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

function injectedFailure(status: number): JsonReply {
  const retryable = status === 429 || status === 503;
  return {
    status,
    body: { message: `Injected failure (${status})` },
    ...(retryable ? { headers: { 'retry-after': '0' } } : {}),
  };
}

function send(res: ServerResponse, reply: JsonReply): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : payload);
}
