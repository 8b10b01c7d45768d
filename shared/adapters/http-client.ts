import { SourceHttpError } from '../errors';

export interface HttpOptions {
  timeoutMs: number;
  /** Total attempts, first included. */
  maxAttempts: number;
  /** Base of the exponential backoff, in ms. */
  backoffMs: number;
  /** Upper bound of one wait (also caps Retry-After). */
  maxBackoffMs: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Seconds or HTTP-date of a Retry-After header, in ms. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * GET a JSON document with a per-request timeout and retries (exponential backoff with full
 * jitter) on network errors, timeouts, 429 and 5xx, honouring Retry-After. Other statuses fail
 * at once. Errors name the URL.
 */
export async function getJson(url: string, options: HttpOptions): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  let lastError: SourceHttpError | undefined;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
    let wait: number | undefined;
    try {
      const response = await doFetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (response.ok) {
        const body = await response.text();
        try {
          return JSON.parse(body);
        } catch (error) {
          lastError = new SourceHttpError(
            `GET ${url}: body is not JSON (truncated?)`,
            url,
            response.status,
            'transient',
            {
              cause: error,
            },
          );
        }
      } else {
        await response.body?.cancel();
        const retryable = RETRYABLE.has(response.status);
        lastError = new SourceHttpError(
          `GET ${url}: HTTP ${response.status}`,
          url,
          response.status,
          retryable ? 'transient' : 'terminal',
        );
        if (!retryable) throw lastError;
        wait = retryAfterMs(response.headers.get('retry-after'));
      }
    } catch (error) {
      if (error instanceof SourceHttpError && error.kind === 'terminal') throw error;
      if (!(error instanceof SourceHttpError)) {
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `timed out after ${options.timeoutMs} ms`
            : String(error);
        lastError = new SourceHttpError(`GET ${url}: ${reason}`, url, undefined, 'transient', {
          cause: error,
        });
      }
    }
    if (attempt < options.maxAttempts) {
      const backoff = random() * Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (attempt - 1));
      await sleep(Math.min(options.maxBackoffMs, wait ?? backoff));
    }
  }
  throw new SourceHttpError(
    `${lastError?.message ?? `GET ${url} failed`} (after ${options.maxAttempts} attempts)`,
    url,
    lastError?.status,
    'transient',
    {
      cause: lastError,
    },
  );
}
