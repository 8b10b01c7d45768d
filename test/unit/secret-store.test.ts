import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CachingSecretStore,
  FileSecretStore,
  InMemorySecretStore,
  SecretsManagerSecretStore,
  secretStoreFor,
} from '../../shared/adapters/secret-store';
import { ConfigError } from '../../shared/errors';

const secretsMock = mockClient(SecretsManagerClient);
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

describe('SecretsManagerSecretStore', () => {
  afterEach(() => {
    secretsMock.reset();
  });

  it('fetches a secret once per container and serves it from the cache afterwards', async () => {
    // Prepare
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"user":"u"}' });
    const store = new SecretsManagerSecretStore({ client: client() });

    // Act
    const values = await Promise.all([store.get('shop/snowflake'), store.get('shop/snowflake')]);
    const later = await store.get('shop/snowflake');

    // Assess
    expect(values).toEqual(['{"user":"u"}', '{"user":"u"}']);
    expect(later).toBe('{"user":"u"}');
    const calls = secretsMock.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ SecretId: 'shop/snowflake' });
  });

  it('fetches again when asked for a fresh value (after a sign-in failure)', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old' })
      .resolvesOnce({ SecretString: 'rotated' });
    const store = new SecretsManagerSecretStore({ client: client() });

    // Act
    const first = await store.get('shop/snowflake');
    const fresh = await store.get('shop/snowflake', { fresh: true });
    const cached = await store.get('shop/snowflake');

    // Assess
    expect([first, fresh, cached]).toEqual(['old', 'rotated', 'rotated']);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('reads a binary secret as UTF-8 text', async () => {
    // Prepare
    secretsMock.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode('{"a":1}') });
    const store = new SecretsManagerSecretStore({ client: client() });

    // Act
    const value = await store.get('bin');

    // Assess
    expect(value).toBe('{"a":1}');
  });

  it('reports a missing secret as a terminal ConfigError naming the id only', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the secret", $metadata: {} }),
      );
    const store = new SecretsManagerSecretStore({ client: client() });

    // Act
    const reading = store.get('shop/missing');

    // Assess
    await expect(reading).rejects.toThrow(ConfigError);
    await expect(reading).rejects.toThrow('secret shop/missing cannot be read (ResourceNotFoundException)');
  });

  it('lets a throttled request fail as a transient error, to be retried', async () => {
    // Prepare
    secretsMock
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const store = new SecretsManagerSecretStore({ client: client() });

    // Act
    const reading = store.get('shop/snowflake');

    // Assess
    await expect(reading).rejects.not.toBeInstanceOf(ConfigError);
  });
});

describe('local secret stores', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads a file: secret from its path', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'secret-'));
    const path = join(dir, 'snowflake.json');
    await writeFile(path, '{"user":"local"}');

    // Act
    const value = await secretStoreFor(`file:${path}`).get(`file:${path}`);

    // Assess
    expect(secretStoreFor(`file:${path}`)).toBeInstanceOf(FileSecretStore);
    expect(value).toBe('{"user":"local"}');
  });

  it('names the file, not its content, when it cannot be read', async () => {
    // Act
    const reading = new FileSecretStore('/nonexistent').get('file:snowflake.json');

    // Assess
    await expect(reading).rejects.toThrow('secret file /nonexistent/snowflake.json cannot be read (ENOENT)');
  });

  it('chooses Secrets Manager for a name or an ARN', () => {
    // Act
    const store = secretStoreFor(
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/snowflake-AbCdEf',
      {
        region: 'eu-west-1',
      },
    );

    // Assess
    expect(store).toBeInstanceOf(SecretsManagerSecretStore);
  });

  it('serves values held in memory and refuses unknown ids', async () => {
    // Prepare
    const store = new InMemorySecretStore({ a: '1' });

    // Act + Assess
    await expect(store.get('a')).resolves.toBe('1');
    await expect(store.get('b')).rejects.toThrow('secret b is not set');
  });
});

describe('CachingSecretStore', () => {
  it('shares one fetch between concurrent reads, and a fresh read renews the cached value', async () => {
    // Prepare
    let fetches = 0;
    const inner = {
      get: async (_id: string, options?: { fresh?: boolean }) => {
        fetches += 1;
        return `value-${fetches}-${options?.fresh ? 'fresh' : 'cached'}`;
      },
    };
    const store = new CachingSecretStore(inner, { ttlMs: 60_000, now: () => 0 });

    // Act
    const concurrent = await Promise.all([store.get('s'), store.get('s'), store.get('s')]);
    const renewed = await store.get('s', { fresh: true });
    const afterwards = await store.get('s');

    // Assess
    expect(concurrent).toEqual(['value-1-fresh', 'value-1-fresh', 'value-1-fresh']);
    expect(renewed).toBe('value-2-fresh');
    expect(afterwards).toBe('value-2-fresh');
    expect(fetches).toBe(2);
  });
});
