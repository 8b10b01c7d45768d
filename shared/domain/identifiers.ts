import { ConfigError } from '../errors';

/**
 * SQL identifiers that come from configuration (a stage, a file format, a database, a role) cannot be
 * bound as values, so they are checked against a strict pattern before they reach a statement. Only
 * unquoted Snowflake identifiers are accepted: letters, digits, `_` and `$`, starting with a letter or
 * `_`, optionally qualified by up to two dots (`DB.SCHEMA.OBJECT`). Anything else is refused, so no
 * configuration value can close a quote or start a second statement.
 */
const PART = '[A-Za-z_][A-Za-z0-9_$]{0,254}';
const SIMPLE = new RegExp(`^${PART}$`);
const QUALIFIED = new RegExp(`^${PART}(\\.${PART}){0,2}$`);

/** True when `name` is a plain (unqualified) identifier such as `LOAD_WH`. */
export function isIdentifier(name: string): boolean {
  return SIMPLE.test(name);
}

/** True when `name` is an identifier, optionally qualified: `PARQUET_FORMAT`, `STAGING.CURATED_STAGE`. */
export function isQualifiedIdentifier(name: string): boolean {
  return QUALIFIED.test(name);
}

/**
 * The identifier itself when it is safe to splice into SQL; throws naming `what` (never echoing a
 * value that failed, which may be a mistyped secret) otherwise.
 * @example const stage = identifier(config.stage, 'SNOWFLAKE_STAGE', { qualified: true });
 */
export function identifier(name: string, what: string, options: { qualified?: boolean } = {}): string {
  const ok = options.qualified ? isQualifiedIdentifier(name) : isIdentifier(name);
  if (!ok) {
    throw new ConfigError(
      `${what} must be ${options.qualified ? 'an optionally qualified' : 'a plain'} SQL identifier (letters, digits, _ and $)`,
    );
  }
  return name;
}
