import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import events from '../../events/load-sqs.json' with { type: 'json' };
import { createLoadHandler } from '../../services/load/handler';
import { CachingSecretStore, InMemorySecretStore } from '../../shared/adapters/secret-store';
import type { SnowflakeCredentials } from '../../shared/adapters/snowflake-credentials';
import { SnowflakeWarehouse } from '../../shared/adapters/snowflake-warehouse';
import type { Runtime } from '../../shared/compose';
import { ConfigError, SecretUnavailableError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { createMemoryMetrics, createPowertoolsLogger, observe } from '../../shared/observability';
import {
  containerSecrets,
  SNOWFLAKE_CREDENTIALS,
  secretOf,
  snowflakeCredentials,
} from '../../shared/secrets-middleware';
import { FakeSnowflake } from '../helpers/fake-snowflake';

const SECRET_ID = 'shop-pipeline/test/snowflake';
/** The value that must never leave the secret store. */
const SECRET = 'pw-Zq9!never-log-me-7f3c';
const credentials = (password: string, user = 'PIPELINE_LOADER') =>
  JSON.stringify({
    account: 'myorg-myaccount',
    user,
    role: 'PIPELINE_LOADER',
    warehouse: 'LOAD_WH',
    database: 'SHOP',
    password,
  });

const context = {
  functionName: 'shop-pipeline-dev-load',
  awsRequestId: '9f1c2d3e-0000-4000-8000-000000000002',
} as Context;
const snowflakeConfig = {
  warehouse: {
    kind: 'snowflake' as const,
    secretId: SECRET_ID,
    loadMode: 'loader' as const,
    stage: 'STAGING.CURATED_STAGE',
    fileFormat: 'STAGING.PARQUET_FORMAT',
    connectTimeoutMs: 1_000,
    statementTimeoutSeconds: 60,
  },
};

const secretsManager = mockClient(SecretsManagerClient);

/** A handler behind the Snowflake secrets middleware that returns what it found on its context. */
function handlerWith(store: () => CachingSecretStore, config = snowflakeConfig) {
  const lines: string[] = [];
  const log = createPowertoolsLogger({ level: 'debug', sink: (line) => lines.push(line) });
  const runtime = () => ({ config, log, metrics: createMemoryMetrics() });
  const handler = middy(async (_event: unknown, ctx: Context) =>
    secretOf<SnowflakeCredentials>(ctx, SNOWFLAKE_CREDENTIALS),
  )
    .use(observe('load', runtime))
    .use(snowflakeCredentials(runtime, store));
  return { handler, lines };
}

describe('the Snowflake secrets middleware (Secrets Manager mocked at the SDK edge)', () => {
  afterEach(() => {
    secretsManager.reset();
    vi.restoreAllMocks();
  });

  it('reads the secret once for the warm invocations within the TTL and puts the credentials on the context', async () => {
    // Prepare
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: credentials(SECRET) });
    const secrets = containerSecrets(300_000);
    const { handler } = handlerWith(() => secrets);

    // Act
    const first = await handler({}, { ...context });
    const second = await handler({}, { ...context });

    // Assess
    expect(first).toMatchObject({ account: 'myorg-myaccount', user: 'PIPELINE_LOADER', password: SECRET });
    expect(second).toBe(first);
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET_ID },
    ]);
  });

  it('reads the secret again once the TTL has passed, so a rotated secret reaches the next invocation', async () => {
    // Prepare
    let now = 1_000_000;
    const store = new InMemorySecretStore({ [SECRET_ID]: credentials('before-rotation') });
    const get = vi.spyOn(store, 'get');
    const secrets = new CachingSecretStore(store, { ttlMs: 300_000, now: () => now });
    const { handler } = handlerWith(() => secrets);

    // Act
    const first = await handler({}, { ...context });
    now += 299_999;
    const cached = await handler({}, { ...context });
    (store as unknown as { values: Record<string, string> }).values[SECRET_ID] =
      credentials('after-rotation');
    now += 1;
    const refreshed = await handler({}, { ...context });

    // Assess
    expect(first?.password).toBe('before-rotation');
    expect(cached?.password).toBe('before-rotation');
    expect(refreshed?.password).toBe('after-rotation');
    expect(get.mock.calls).toEqual([
      [SECRET_ID, { fresh: true }],
      [SECRET_ID, { fresh: true }],
    ]);
  });

  it('keeps the credentials out of the serialised context and out of every log line', async () => {
    // Prepare
    const secrets = new CachingSecretStore(new InMemorySecretStore({ [SECRET_ID]: credentials(SECRET) }));
    const { handler, lines } = handlerWith(() => secrets);
    const ctx = { ...context };

    // Act
    const seen = await handler({}, ctx);

    // Assess
    expect(seen?.password).toBe(SECRET);
    expect(Object.keys(ctx)).not.toContain(SNOWFLAKE_CREDENTIALS);
    expect(JSON.stringify(ctx)).not.toContain(SECRET);
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it.each([
    ['a secret that is not JSON', `password=${SECRET}`, `Snowflake secret ${SECRET_ID} is not a JSON object`],
    ['a secret with an invalid field', credentials(SECRET, 'bad user'), 'missing or invalid user'],
  ])(
    'fails the invocation with a clear ConfigError naming the secret, not quoting it, for %s',
    async (_, text, message) => {
      // Prepare
      const secrets = new CachingSecretStore(new InMemorySecretStore({ [SECRET_ID]: text }));
      const { handler, lines } = handlerWith(() => secrets);

      // Act
      const failure = await handler({}, { ...context }).catch((error: unknown) => error as Error);

      // Assess
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as Error).message).toContain(message);
      expect(
        `${(failure as Error).message} ${(failure as Error).stack} ${String((failure as Error).cause)}`,
      ).not.toContain(SECRET);
      expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        expect.objectContaining({
          message: 'invocation failed',
          errorCode: 'CONFIG_INVALID',
          errorKind: 'terminal',
        }),
      ]);
      for (const line of lines) expect(line).not.toContain(SECRET);
    },
  );

  it('fails the invocation as transient, naming the secret, when Secrets Manager cannot be reached; nothing is cached', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: credentials(SECRET) });
    const secrets = containerSecrets(300_000);
    const { handler, lines } = handlerWith(() => secrets);

    // Act
    const failure = await handler({}, { ...context }).catch((error: unknown) => error as Error);
    const retried = await handler({}, { ...context });

    // Assess
    expect(failure).toBeInstanceOf(SecretUnavailableError);
    expect(failure).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      kind: 'transient',
      message: `secret ${SECRET_ID} could not be read (ThrottlingException)`,
    });
    expect(retried?.password).toBe(SECRET);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ errorCode: 'SECRET_UNAVAILABLE', errorKind: 'transient' }),
    ]);
  });

  it('fetches nothing when the warehouse is DuckDB', async () => {
    // Prepare
    const store = new InMemorySecretStore({});
    const get = vi.spyOn(store, 'get');
    const { handler } = handlerWith(() => new CachingSecretStore(store), {
      warehouse: { kind: 'duckdb', path: ':memory:' },
    } as unknown as typeof snowflakeConfig);

    // Act
    const seen = await handler({}, { ...context });

    // Assess
    expect(seen).toBeUndefined();
    expect(get).not.toHaveBeenCalled();
  });
});

describe('the load handler and the Snowflake warehouse with credentials from the context', () => {
  it('hands the credentials on the context to the warehouse, which signs in with them without reading the secret', async () => {
    // Prepare
    const secrets = new CachingSecretStore(new InMemorySecretStore({ [SECRET_ID]: credentials(SECRET) }));
    const warehouse = vi.fn(async () => {
      throw new Error('stop here');
    });
    const runtime = {
      config: snowflakeConfig,
      log: createLogger('silent'),
      metrics: createMemoryMetrics(),
      store: {},
      warehouse,
    } as unknown as Runtime;
    const handler = createLoadHandler(
      () => runtime,
      () => secrets,
    );

    // Act
    const result = await handler(events as SQSEvent, { ...context });

    // Assess
    expect(warehouse).toHaveBeenCalledWith({
      credentials: expect.objectContaining({ user: 'PIPELINE_LOADER', password: SECRET }),
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: events.Records[0]!.messageId }] });
  });

  it('signs in with handed-over credentials, and re-reads the secret fresh after a failed sign-in', async () => {
    // Prepare
    const store = new InMemorySecretStore({ [SECRET_ID]: credentials('rotated') });
    const get = vi.spyOn(store, 'get');
    const fake = new FakeSnowflake();
    fake.connectErrors = [new Error('JWT token is invalid')];
    const wh = new SnowflakeWarehouse(
      { ...snowflakeConfig.warehouse, curatedBucket: 'curated' },
      { secrets: new CachingSecretStore(store), log: createLogger('silent'), connect: fake.connector },
    );
    const handedOver = JSON.parse(credentials('stale')) as SnowflakeCredentials;

    // Act: the same invocation hands the refused credentials over again, and its session is lost
    wh.useCredentials(handedOver);
    const failed = await wh.query('SELECT 1').catch((error: unknown) => error);
    wh.useCredentials(handedOver);
    await wh.query('SELECT 1');
    wh.useCredentials(handedOver);
    fake.drop(1);
    await wh.query('SELECT 1');
    await wh.close();

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(fake.connects.map((c) => c.password)).toEqual(['stale', 'rotated', 'rotated']);
    expect(get.mock.calls).toEqual([[SECRET_ID, { fresh: true }]]);
  });
});
