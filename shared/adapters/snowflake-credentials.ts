import { createPrivateKey } from 'node:crypto';
import { isIdentifier } from '../domain/identifiers';
import { ConfigError } from '../errors';
import { secretObject, secretText } from './secret-json';

/**
 * The Snowflake credentials secret: a JSON object in Secrets Manager (or a local file).
 *
 * ```json
 * {"account": "myorg-myaccount", "user": "PIPELINE_LOADER", "role": "PIPELINE_LOADER",
 *  "warehouse": "LOAD_WH", "database": "SHOP", "privateKey": "-----BEGIN PRIVATE KEY-----\n..."}
 * ```
 *
 * Key-pair sign-in is the default (`privateKey`, PKCS#8 or PKCS#1 PEM, optionally encrypted with
 * `privateKeyPassphrase`); `password` is accepted but discouraged, as Snowflake is phasing out
 * single-factor passwords. Role, warehouse and database are identifiers and are validated. Errors name
 * the fields that are wrong, never their values.
 */
export interface SnowflakeCredentials {
  account: string;
  user: string;
  role: string;
  warehouse: string;
  database: string;
  schema?: string;
  /** Unencrypted PKCS#8 PEM (normalised from what the secret holds), when signing in with a key pair. */
  privateKey?: string;
  /** Only when no private key is given. */
  password?: string;
}

const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const USER = /^[^\s'"\\;]{1,255}$/;

/** Parse and check a credentials secret; `secretId` is only used to name it in errors. */
export function parseSnowflakeCredentials(text: string, secretId: string): SnowflakeCredentials {
  const s = secretObject(text, 'Snowflake secret', secretId);
  const str = (name: string) => secretText(s, name);
  const bad: string[] = [];
  const account = str('account');
  if (!account || !ACCOUNT.test(account)) bad.push('account');
  const user = str('user');
  if (!user || !USER.test(user)) bad.push('user');
  for (const name of ['role', 'warehouse', 'database'] as const) {
    const value = str(name);
    if (!value || !isIdentifier(value)) bad.push(name);
  }
  const schema = str('schema');
  if (schema !== undefined && !isIdentifier(schema)) bad.push('schema');
  const privateKey = str('privateKey');
  const password = str('password');
  if (!privateKey && !password) bad.push('privateKey (or password)');
  if (s.host !== undefined) bad.push('host (give account only: a host breaks key-pair sign-in)');
  if (bad.length > 0) {
    throw new ConfigError(`Snowflake secret ${secretId}: missing or invalid ${bad.join(', ')}`);
  }
  return {
    account: account!,
    user: user!,
    role: str('role')!,
    warehouse: str('warehouse')!,
    database: str('database')!,
    ...(schema ? { schema } : {}),
    ...(privateKey
      ? { privateKey: toPkcs8(privateKey, str('privateKeyPassphrase'), secretId) }
      : { password: password! }),
  };
}

/**
 * The driver wants an unencrypted PKCS#8 PEM. Accept PKCS#1 (`BEGIN RSA PRIVATE KEY`), encrypted
 * PKCS#8, and keys pasted with literal `\n`; decrypt in memory only.
 */
function toPkcs8(pem: string, passphrase: string | undefined, secretId: string): string {
  const text = pem.includes('\n') ? pem : pem.replace(/\\n/g, '\n');
  try {
    const key = createPrivateKey({ key: text, format: 'pem', ...(passphrase ? { passphrase } : {}) });
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    throw new ConfigError(
      `Snowflake secret ${secretId}: privateKey is not a readable RSA private key in PEM (wrong privateKeyPassphrase?)`,
    );
  }
}
