import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  CachingSecretStore,
  SECRET_TTL_SECONDS,
  type SecretStore,
  SecretsManagerSecretStore,
  secretStoreById,
} from './adapters/secret-store';
import { parseSnowflakeCredentials, type SnowflakeCredentials } from './adapters/snowflake-credentials';
import type { Config } from './config';
import { ConfigError, PipelineError, SecretUnavailableError } from './errors';
import { traceClient } from './observability';

/** What {@link provideSecret} needs: where secrets come from, which one, and how to read it. */
export interface ProvideSecretOptions<T> {
  /** The container's store (a {@link CachingSecretStore}: the TTL lives there), built on first use. */
  store: () => SecretStore;
  /** The secret's id, or undefined when this configuration needs none (DuckDB locally). */
  secretId: () => string | undefined;
  /** Turn the secret's text into what handlers use; errors name fields, never values. */
  parse: (text: string, secretId: string) => T;
  /** The property of the Lambda context it is put on (see {@link secretOf}). */
  contextKey: string;
}

/**
 * A middy middleware that fetches a secret before the handler runs and puts it, parsed, on the
 * Lambda context, so the handler (and the stage below it) never fetches one. Reads go through the
 * container's cache (a warm invocation costs no request; past the TTL the secret is read again, so a
 * rotation is picked up); the parsed value is kept while the text is unchanged. The property is not
 * enumerable: logging or serialising the context does not carry it. A failure fails the invocation
 * with an error naming the secret, never quoting it: `SecretUnavailableError` (transient) when the
 * store cannot be reached, `ConfigError` (terminal) when the secret is missing or malformed.
 * @example middy(handler).use(provideSecret({ store, secretId: () => 'app/db', parse: JSON.parse, contextKey: 'db' }));
 */
export function provideSecret<T>(
  options: ProvideSecretOptions<T>,
): MiddlewareObj<unknown, unknown, Error, Context> {
  let parsed: { text: string; value: T } | undefined;
  return {
    name: 'provideSecret',
    before: async (request) => {
      const id = options.secretId();
      if (id === undefined) return;
      let text: string;
      try {
        text = await options.store().get(id);
      } catch (error) {
        if (error instanceof PipelineError) throw error;
        throw new SecretUnavailableError(`secret ${id} could not be read (${errorName(error)})`, {
          cause: error,
        });
      }
      if (parsed?.text !== text) {
        try {
          parsed = { text, value: options.parse(text, id) };
        } catch (error) {
          // A parser's own message may quote what it read: only ours (which name fields) pass.
          if (error instanceof ConfigError) throw error;
          throw new ConfigError(`secret ${id} could not be read as ${options.contextKey}`);
        }
      }
      Object.defineProperty(request.context, options.contextKey, {
        value: parsed.value,
        enumerable: false,
        configurable: true,
        writable: false,
      });
    },
  };
}

/** The value a {@link provideSecret} middleware put on this invocation's context, if any. */
export function secretOf<T>(context: Context, contextKey: string): T | undefined {
  return (context as unknown as Record<string, T | undefined>)[contextKey];
}

/** Where the load handler finds the Snowflake credentials on its context. */
export const SNOWFLAKE_CREDENTIALS = 'snowflakeCredentials';

/**
 * The Snowflake credentials on the context (`secretOf(context, SNOWFLAKE_CREDENTIALS)`) when the
 * warehouse is Snowflake; nothing for DuckDB.
 * @example middy(load).use(observe('load', runtime)).use(snowflakeCredentials(runtime, () => secrets));
 */
export function snowflakeCredentials(
  runtime: () => { config: Pick<Config, 'warehouse'> },
  store: () => SecretStore,
): MiddlewareObj<unknown, unknown, Error, Context> {
  return provideSecret<SnowflakeCredentials>({
    store,
    secretId: () => {
      const warehouse = runtime().config.warehouse;
      return warehouse.kind === 'snowflake' ? warehouse.secretId : undefined;
    },
    parse: parseSnowflakeCredentials,
    contextKey: SNOWFLAKE_CREDENTIALS,
  });
}

/**
 * A container's secret store: Secrets Manager through one X-Ray-traced client (or a local file for
 * `file:` ids), behind a {@link CachingSecretStore} with the given TTL.
 */
export function containerSecrets(ttlMs = SECRET_TTL_SECONDS * 1000): CachingSecretStore {
  return new CachingSecretStore(
    secretStoreById(
      () => new SecretsManagerSecretStore({ client: traceClient(new SecretsManagerClient({})) }),
    ),
    { ttlMs },
  );
}

const errorName = (error: unknown) =>
  (error as { cause?: { name?: string } })?.cause?.name ??
  (error as { name?: string })?.name ??
  'unknown error';
