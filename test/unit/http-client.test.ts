import { describe, expect, it } from 'vitest';
import { getJson, type HttpOptions } from '../../shared/adapters/http-client';
import { SourceHttpError } from '../../shared/errors';

const URL_UNDER_TEST = 'http://127.0.0.1:9/products?limit=10&skip=0';

type Step = Response | Error | (() => Response);

/** A fetch that answers each call with the next scripted step, recording every call. */
function scriptedFetch(...steps: Step[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    const step = steps.shift();
    if (step === undefined) throw new Error(`unexpected fetch #${calls.length}`);
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step() : step;
  };
  return { fetch: fake as typeof fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const status = (code: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ message: `status ${code}` }), { status: code, headers });

/** Options with an injected fetch, a sleep that records its waits, and a fixed random(). */
function options(fetchFn: typeof fetch, overrides: Partial<HttpOptions> = {}) {
  const waits: number[] = [];
  const opts: HttpOptions = {
    timeoutMs: 1_000,
    maxAttempts: 3,
    backoffMs: 100,
    maxBackoffMs: 10_000,
    fetch: fetchFn,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
  return { opts, waits };
}

/** The rejection of a promise, or a failure when it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<SourceHttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SourceHttpError);
    return error as SourceHttpError;
  }
  throw new Error('expected the promise to reject');
}

describe('getJson', () => {
  it('returns the parsed body of a 200 response', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(json({ products: [{ id: 1 }], total: 1 }));
    const { opts, waits } = options(fetch);

    // Act
    const body = await getJson(URL_UNDER_TEST, opts);

    // Assess
    expect(body).toEqual({ products: [{ id: 1 }], total: 1 });
    expect(calls.map((c) => c.url)).toEqual([URL_UNDER_TEST]);
    expect(new Headers(calls[0]?.init?.headers).get('accept')).toBe('application/json');
    expect(waits).toEqual([]);
  });

  it('retries a 500 and succeeds on the next attempt after one wait', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(status(500), json({ ok: true }));
    const { opts, waits } = options(fetch);

    // Act
    const body = await getJson(URL_UNDER_TEST, opts);

    // Assess
    expect(body).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
    expect(waits).toEqual([50]);
  });

  it('waits the Retry-After of a 429 in milliseconds', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(status(429, { 'retry-after': '2' }), json({ ok: true }));
    const { opts, waits } = options(fetch);

    // Act
    const body = await getJson(URL_UNDER_TEST, opts);

    // Assess
    expect(body).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
    expect(waits).toEqual([2_000]);
  });

  it('caps a Retry-After wait at maxBackoffMs', async () => {
    // Prepare
    const { fetch } = scriptedFetch(status(429, { 'retry-after': '2' }), json({ ok: true }));
    const { opts, waits } = options(fetch, { maxBackoffMs: 500 });

    // Act
    await getJson(URL_UNDER_TEST, opts);

    // Assess
    expect(waits).toEqual([500]);
  });

  it('fails at once on a 404 with a terminal error naming the URL', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(status(404), json({ never: 'reached' }));
    const { opts, waits } = options(fetch);

    // Act
    const error = await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error.kind).toBe('terminal');
    expect(error.code).toBe('SOURCE_HTTP');
    expect(error.status).toBe(404);
    expect(error.url).toBe(URL_UNDER_TEST);
    expect(error.message).toContain(URL_UNDER_TEST);
    expect(error.message).toContain('404');
  });

  it('retries when fetch itself rejects (a network error)', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(new TypeError('fetch failed'), json({ ok: true }));
    const { opts, waits } = options(fetch);

    // Act
    const body = await getJson(URL_UNDER_TEST, opts);

    // Assess
    expect(body).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
    expect(waits).toHaveLength(1);
  });

  it('gives up after maxAttempts with a transient error naming the URL and the attempt count', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(status(500), status(503), status(502), json({ late: true }));
    const { opts, waits } = options(fetch, { maxAttempts: 3 });

    // Act
    const error = await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(error.kind).toBe('transient');
    expect(error.status).toBe(502);
    expect(error.url).toBe(URL_UNDER_TEST);
    expect(error.message).toContain(URL_UNDER_TEST);
    expect(error.message).toContain('3 attempts');
    expect(error.cause).toBeInstanceOf(SourceHttpError);
  });

  it('retries a body that is not JSON, then fails naming the URL', async () => {
    // Prepare
    const truncated = () => new Response('{"products":[{"id":1', { status: 200 });
    const { fetch, calls } = scriptedFetch(truncated, truncated);
    const { opts, waits } = options(fetch, { maxAttempts: 2 });

    // Act
    const error = await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(calls).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(error.kind).toBe('transient');
    expect(error.message).toContain(URL_UNDER_TEST);
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('2 attempts');
  });

  it('grows the backoff exponentially up to maxBackoffMs', async () => {
    // Prepare
    const { fetch, calls } = scriptedFetch(status(500), status(500), status(500), status(500), status(500));
    const { opts, waits } = options(fetch, {
      maxAttempts: 5,
      backoffMs: 100,
      maxBackoffMs: 300,
      random: () => 1,
    });

    // Act
    await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(calls).toHaveLength(5);
    expect(waits).toEqual([100, 200, 300, 300]);
  });

  it('scales every backoff by random() (full jitter)', async () => {
    // Prepare
    const { fetch } = scriptedFetch(status(500), status(500), status(500));
    const { opts, waits } = options(fetch, { maxAttempts: 3, backoffMs: 100, random: () => 0.25 });

    // Act
    await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(waits).toEqual([25, 50]);
  });

  it('aborts a request that outlives timeoutMs and says it timed out', async () => {
    // Prepare
    const calls: string[] = [];
    const hanging = ((input: string | URL | Request, init?: RequestInit) => {
      calls.push(String(input));
      return new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal;
        if (!signal) return reject(new Error('no AbortSignal given'));
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }) as typeof fetch;
    const { opts, waits } = options(hanging, { timeoutMs: 50, maxAttempts: 2 });

    // Act
    const error = await rejectionOf(getJson(URL_UNDER_TEST, opts));

    // Assess
    expect(calls).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
    expect(error.message).toContain('50 ms');
    expect(error.message).toContain(URL_UNDER_TEST);
  });
});
