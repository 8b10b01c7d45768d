import { ConfigError } from '../errors';

/**
 * The JSON object a credentials secret holds (the Snowflake and PostgreSQL secrets), for a parser to
 * check field by field. `label` names the secret's kind in errors ("Snowflake secret"); errors name
 * the secret id, never its text: a JSON parser's own message quotes what it read.
 * @example const fields = secretObject(await secrets.get(id), 'PostgreSQL secret', id);
 */
export function secretObject(text: string, label: string, secretId: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${label} ${secretId} is not a JSON object`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${label} ${secretId} is not a JSON object`);
  }
  return json as Record<string, unknown>;
}

/** A secret's text field, with absent, non-text and empty values as undefined. */
export function secretText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
