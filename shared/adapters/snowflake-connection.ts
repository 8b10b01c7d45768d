import type { Bind, Connection, ConnectionOptions, SnowflakeError } from 'snowflake-sdk';
import { WarehouseError } from '../errors';
import type { Logger } from '../logger';
import type { SnowflakeCredentials } from './snowflake-credentials';

/**
 * The slice of a Snowflake connection the loader uses: run one statement with binds, tell whether the
 * session is up, close it. The driver implementation is below; tests use a fake that records every
 * statement and its binds.
 */
export interface SnowflakeSession {
  /** Run one statement; `?` placeholders take `binds`. Numbers and dates come back as text with `asText`. */
  execute(sql: string, binds?: Bind[], options?: { asText?: boolean }): Promise<Record<string, unknown>[]>;
  isUp(): boolean;
  close(): Promise<void>;
}

/** Opens a session for credentials. */
export type SnowflakeConnector = (credentials: SnowflakeCredentials) => Promise<SnowflakeSession>;

/**
 * Snowflake error codes after which the session is gone (an idle container's master token expired,
 * the session was dropped, the socket is dead): reconnect once and retry.
 */
export const RECONNECT_CODES = new Set([
  '390111', // GONE_SESSION
  '390112', // SESSION_TOKEN_EXPIRED
  '390114', // MASTER_TOKEN_EXPIRED ("Authentication token has expired")
  '390104', // SESSION_TOKEN_INVALID
  '405503', // ERR_CONN_CONNECT_STATUS_DISCONNECTED
  '407002', // ERR_CONN_REQUEST_STATUS_DISCONNECTED
  '401001', // ERR_SF_NETWORK_COULD_NOT_CONNECT
]);

/** True when an error means the session dropped and a new one may succeed. */
export function isSessionLost(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (code !== undefined && RECONNECT_CODES.has(String(code))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

type SnowflakeSdk = typeof import('snowflake-sdk');
let driver: Promise<SnowflakeSdk> | undefined;

/**
 * The driver, imported on first use (the DuckDB path never loads it) and configured once: its log
 * lines go to our logger instead of a `snowflake.log` file in the working directory (read-only on
 * Lambda). A CommonJS module: the namespace's `default` is its `module.exports` under ESM and esbuild.
 */
function loadDriver(log: Logger): Promise<SnowflakeSdk> {
  driver ??= import('snowflake-sdk').then((module) => {
    const sdk = ((module as { default?: SnowflakeSdk }).default ?? module) as SnowflakeSdk;
    const driverLog = log.child({ component: 'snowflake-sdk' });
    sdk.configure({
      logLevel: 'WARN',
      customLogger: {
        error: (message) => driverLog.error(message),
        warn: (message) => driverLog.warn(message),
        info: (message) => driverLog.info(message),
        debug: (message) => driverLog.debug(message),
        trace: (message) => driverLog.debug(message),
      },
    });
    return sdk;
  });
  return driver;
}

/**
 * Sessions through snowflake-sdk. Key-pair sign-in with `account` only (passing `host` too makes
 * Snowflake reject the JWT); no keep-alive heartbeat (a timer that outlives the invocation); login
 * retries capped and the whole connect bounded by `connectTimeoutMs`, so a slow sign-in fails the
 * batch (retried by SQS) instead of eating the function's timeout.
 */
export function driverConnector(options: { connectTimeoutMs: number; log: Logger }): SnowflakeConnector {
  return async (credentials) => {
    const sdk = await loadDriver(options.log);
    const connectionOptions: ConnectionOptions = {
      account: credentials.account,
      username: credentials.user,
      role: credentials.role,
      warehouse: credentials.warehouse,
      database: credentials.database,
      ...(credentials.schema ? { schema: credentials.schema } : {}),
      ...(credentials.privateKey
        ? { authenticator: 'SNOWFLAKE_JWT', privateKey: credentials.privateKey }
        : { authenticator: 'SNOWFLAKE', password: credentials.password }),
      application: 'shop-pipeline',
      clientSessionKeepAlive: false,
      sfRetryMaxLoginRetries: 2,
    };
    const connection = sdk.createConnection(connectionOptions);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new WarehouseError(
              `connecting to Snowflake account ${credentials.account} timed out after ${options.connectTimeoutMs} ms`,
            ),
          ),
        options.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([connection.connectAsync(), timeout]);
    } catch (error) {
      connection.destroy(() => undefined);
      if (error instanceof WarehouseError) throw error;
      throw new WarehouseError(
        `connecting to Snowflake account ${credentials.account} failed: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    return driverSession(connection);
  };
}

function driverSession(connection: Connection): SnowflakeSession {
  return {
    execute: (sql, binds, opts) =>
      new Promise((resolve, reject) => {
        connection.execute({
          sqlText: sql,
          ...(binds && binds.length > 0 ? { binds } : {}),
          ...(opts?.asText ? { fetchAsString: ['Number', 'Date'] as const } : {}),
          complete: (error: SnowflakeError | undefined, _statement, rows) => {
            if (error) reject(error);
            else resolve((rows ?? []) as Record<string, unknown>[]);
          },
        });
      }),
    isUp: () => connection.isUp(),
    close: () =>
      new Promise<void>((resolve) => {
        connection.destroy(() => resolve());
      }),
  };
}
