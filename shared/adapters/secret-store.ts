import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../errors';

/**
 * Where credentials come from: AWS Secrets Manager when deployed, a local file (or memory, in tests)
 * otherwise. A secret is fetched once per container and cached; `fresh` bypasses the cache, for the
 * one retry after a sign-in failure (a rotated key). Secret values never appear in errors or logs:
 * errors name the secret id only.
 */
export interface SecretStore {
  /** The secret's text. */
  get(id: string, options?: { fresh?: boolean }): Promise<string>;
}

/** How long a Secrets Manager value is kept: the container's life, in practice (Lambda recycles sooner). */
export const SECRET_MAX_AGE_SECONDS = 24 * 60 * 60;

/** Secrets Manager errors that a retry cannot fix. */
const TERMINAL_SECRET_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'AccessDeniedError',
  'DecryptionFailure',
  'InvalidRequestException',
  'InvalidParameterException',
]);

/**
 * AWS Secrets Manager through Powertools Parameters, cached per container. Give it an SDK client
 * (tests inject one) or a client config, not both.
 * @example const secrets = new SecretsManagerSecretStore({ clientConfig: { region: 'eu-west-1' } });
 */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly provider: SecretsProvider;
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    options: { client?: SecretsManagerClient; clientConfig?: SecretsManagerClientConfig } = {},
    private readonly maxAgeSeconds = SECRET_MAX_AGE_SECONDS,
  ) {
    this.provider = new SecretsProvider(
      options.client ? { awsSdkV3Client: options.client } : { clientConfig: options.clientConfig ?? {} },
    );
  }

  get(id: string, options: { fresh?: boolean } = {}): Promise<string> {
    // Concurrent first calls share one request.
    const pending = options.fresh ? undefined : this.inFlight.get(id);
    if (pending) return pending;
    const request = this.fetch(id, options.fresh ?? false).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, request);
    return request;
  }

  private async fetch(id: string, fresh: boolean): Promise<string> {
    let value: unknown;
    try {
      value = await this.provider.get(id, { maxAge: this.maxAgeSeconds, forceFetch: fresh });
    } catch (error) {
      const cause = (error as { cause?: { name?: string } }).cause ?? (error as { name?: string });
      if (TERMINAL_SECRET_ERRORS.has(cause?.name ?? '')) {
        throw new ConfigError(`secret ${id} cannot be read (${cause?.name})`, { cause: error });
      }
      throw error;
    }
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    throw new ConfigError(`secret ${id} has no value`);
  }
}

/** Secrets in local files: the id is the file's path (`file:` prefix optional), relative to `baseDir`. */
export class FileSecretStore implements SecretStore {
  constructor(private readonly baseDir = process.cwd()) {}

  async get(id: string): Promise<string> {
    const path = resolve(this.baseDir, id.replace(/^file:/, ''));
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`secret file ${path} cannot be read (${(error as { code?: string }).code})`, {
        cause: error,
      });
    }
  }
}

/** Secrets held in memory: tests, or values a local CLI already has. */
export class InMemorySecretStore implements SecretStore {
  constructor(private readonly values: Record<string, string>) {}

  async get(id: string): Promise<string> {
    const value = this.values[id];
    if (value === undefined) throw new ConfigError(`secret ${id} is not set`);
    return value;
  }
}

/** The store a secret id names: `file:<path>` is a local file, anything else a Secrets Manager id or ARN. */
export function secretStoreFor(id: string, clientConfig: SecretsManagerClientConfig = {}): SecretStore {
  return id.startsWith('file:') ? new FileSecretStore() : new SecretsManagerSecretStore({ clientConfig });
}

/** How long a warm container reuses a secret before the next read fetches it again. */
export const SECRET_TTL_SECONDS = 300;

/**
 * A secret store that keeps each secret for a time (per container), so warm invocations read it from
 * memory and a rotated secret is picked up within the TTL. `fresh` reads through and renews the
 * entry (the retry after a failed sign-in). Concurrent reads of one secret share one fetch; a failed
 * fetch is not cached.
 * @example const secrets = new CachingSecretStore(new FileSecretStore(), { ttlMs: 300_000 });
 */
export class CachingSecretStore implements SecretStore {
  private readonly entries = new Map<string, { text: string; fetchedAt: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: SecretStore,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? SECRET_TTL_SECONDS * 1000;
    this.now = options.now ?? Date.now;
  }

  get(id: string, options: { fresh?: boolean } = {}): Promise<string> {
    const entry = this.entries.get(id);
    if (entry && !options.fresh && this.now() - entry.fetchedAt < this.ttlMs)
      return Promise.resolve(entry.text);
    const pending = options.fresh ? undefined : this.inFlight.get(id);
    if (pending) return pending;
    // Past the TTL the inner store is asked for a fresh value too (Powertools keeps its own cache).
    const request = this.inner
      .get(id, { fresh: true })
      .then((text) => {
        this.entries.set(id, { text, fetchedAt: this.now() });
        return text;
      })
      .finally(() => {
        if (this.inFlight.get(id) === request) this.inFlight.delete(id);
      });
    this.inFlight.set(id, request);
    return request;
  }
}

/**
 * One store for any secret id: `file:<path>` from a local file, anything else from Secrets Manager
 * (the store built on first use, so a function reading only files never builds an SDK client).
 */
export function secretStoreById(secretsManager: () => SecretStore): SecretStore {
  const files = new FileSecretStore();
  let remote: SecretStore | undefined;
  return {
    get(id, options) {
      if (id.startsWith('file:')) return files.get(id);
      remote ??= secretsManager();
      return remote.get(id, options);
    },
  };
}
