import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSnowflakeCredentials } from '../../shared/adapters/snowflake-credentials';
import { ConfigError } from '../../shared/errors';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PKCS8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const ENCRYPTED = privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
  .toString();
const BASE = {
  account: 'myorg-myaccount',
  user: 'PIPELINE_LOADER',
  role: 'LOADER',
  warehouse: 'LOAD_WH',
  database: 'SHOP',
};
const parse = (secret: unknown) => parseSnowflakeCredentials(JSON.stringify(secret), 'the-secret');

/** The same RSA key, whatever PEM it came in. */
const sameKey = (pem: string | undefined) =>
  createPrivateKey(pem ?? '')
    .export({ type: 'pkcs8', format: 'der' })
    .equals(privateKey.export({ type: 'pkcs8', format: 'der' }));

describe('parseSnowflakeCredentials', () => {
  it.each([
    ['PKCS#8', { privateKey: PKCS8 }],
    ['PKCS#1 (BEGIN RSA PRIVATE KEY)', { privateKey: PKCS1 }],
    ['encrypted PKCS#8 with its passphrase', { privateKey: ENCRYPTED, privateKeyPassphrase: 'open sesame' }],
    ['PKCS#8 pasted with literal \\n', { privateKey: PKCS8.replace(/\n/g, '\\n') }],
  ])('turns a %s key into the unencrypted PKCS#8 PEM the driver wants', (_, key) => {
    // Act
    const credentials = parse({ ...BASE, ...key });

    // Assess
    expect(credentials.privateKey?.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    expect(sameKey(credentials.privateKey)).toBe(true);
    expect(credentials.password).toBeUndefined();
  });

  it('accepts a password when there is no key', () => {
    // Act
    const credentials = parse({ ...BASE, password: 'pw' });

    // Assess
    expect(credentials).toEqual({ ...BASE, password: 'pw' });
  });

  it.each([
    [
      'a role that would end the statement',
      { ...BASE, role: 'LOADER; DROP DATABASE SHOP', privateKey: PKCS8 },
      'role',
    ],
    ['a quoted warehouse', { ...BASE, warehouse: '"LOAD_WH"', privateKey: PKCS8 }, 'warehouse'],
    ['no key and no password', { ...BASE }, 'privateKey (or password)'],
    ['a host beside the account', { ...BASE, host: 'x.snowflakecomputing.com', privateKey: PKCS8 }, 'host'],
    ['a missing database', { ...BASE, database: undefined, privateKey: PKCS8 }, 'database'],
  ])('refuses %s, naming the field', (_, secret, field) => {
    // Act
    const parsing = () => parse(secret);

    // Assess
    expect(parsing).toThrow(ConfigError);
    expect(parsing).toThrow(
      new RegExp(`^Snowflake secret the-secret: missing or invalid .*${field.replace(/[()]/g, '\\$&')}`),
    );
  });

  it('names neither the passphrase nor the key when the passphrase is wrong', () => {
    // Act
    let message = '';
    try {
      parse({ ...BASE, privateKey: ENCRYPTED, privateKeyPassphrase: 'wrong guess' });
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message).toMatch(/privateKey is not a readable RSA private key/);
    expect(message).not.toContain('wrong guess');
    expect(message).not.toContain(ENCRYPTED.split('\n')[1]);
  });

  it('does not echo a secret that is not JSON', () => {
    // Act
    const parsing = () => parseSnowflakeCredentials('password=hunter2', 'the-secret');

    // Assess
    expect(parsing).toThrow('Snowflake secret the-secret is not a JSON object');
  });
});
