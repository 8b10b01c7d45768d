/**
 * All of the pipeline's error classes. Each has a stable `code` and says whether a retry can help:
 * `transient` errors are returned to SQS (`batchItemFailures`) and retried; `terminal` ones will
 * fail the same way every time, so they end in a reject row or, after 3 receives, in the DLQ.
 */
export type ErrorKind = 'transient' | 'terminal';

export abstract class PipelineError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration variable is missing or invalid. */
export class ConfigError extends PipelineError {
  readonly code = 'CONFIG_INVALID';
  readonly kind = 'terminal';
}

/** An HTTP source answered with an error status or could not be reached. */
export class SourceHttpError extends PipelineError {
  readonly code = 'SOURCE_HTTP';
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | undefined,
    readonly kind: ErrorKind,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A source answered with a body that does not match the shape we expect (schema or paging). */
export class SourceSchemaError extends PipelineError {
  readonly code = 'SOURCE_SCHEMA';
  readonly kind = 'terminal';
  constructor(
    message: string,
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A source database refused or failed a read. Sign-in, permission and schema errors (SQLSTATE classes
 * 28 and 42: a wrong password, a missing table or column) fail the same way every time: terminal.
 * Anything else (a connection refused or dropped, a timeout, a serialization failure) is transient.
 */
export class SourceDatabaseError extends PipelineError {
  readonly code = 'SOURCE_DATABASE';
  constructor(
    message: string,
    /** The database as `postgres://host:port/database` (never with credentials). */
    readonly database: string,
    readonly sqlState: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get kind(): ErrorKind {
    return this.sqlState?.startsWith('28') || this.sqlState?.startsWith('42') ? 'terminal' : 'transient';
  }
}

/** An event or message body is not what the stage accepts. */
export class InvalidEventError extends PipelineError {
  readonly code = 'EVENT_INVALID';
  readonly kind = 'terminal';
}

/** A manifest is missing, malformed, or disagrees with the files it lists. */
export class ManifestMismatchError extends PipelineError {
  readonly code = 'MANIFEST_MISMATCH';
  readonly kind = 'terminal';
  constructor(
    message: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An object a manifest lists is not (yet) in the bucket: eventual consistency or a half-written batch. */
export class ObjectMissingError extends PipelineError {
  readonly code = 'OBJECT_MISSING';
  readonly kind = 'transient';
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`s3://${bucket}/${key} does not exist`, options);
  }
}

/** Conservation failed: rows in != clean + rejected + duplicates. Never written downstream. */
export class ConservationError extends PipelineError {
  readonly code = 'CONSERVATION_BROKEN';
  readonly kind = 'terminal';
}

/**
 * Local disk (Lambda's /tmp) filled up while a stage spilled to it. Transient: a crashed invocation's
 * leftovers in a warm container may be what filled it (the next spill removes them once stale); a
 * batch that needs more than the function's `ephemeralStorageSize` fails every retry and reaches the DLQ.
 */
export class LocalDiskFullError extends PipelineError {
  readonly code = 'LOCAL_DISK_FULL';
  readonly kind = 'transient';
  constructor(
    message: string,
    /** The spill folder being written. */
    readonly folder: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The warehouse refused a statement or a load. */
export class WarehouseError extends PipelineError {
  readonly code = 'WAREHOUSE';
  readonly kind = 'transient';
}

/**
 * A secret could not be fetched (the store unreachable, throttled, timing out): the invocation is
 * retried. The message names the secret, never its value. A secret that is missing or malformed is
 * a ConfigError instead (terminal).
 */
export class SecretUnavailableError extends PipelineError {
  readonly code = 'SECRET_UNAVAILABLE';
  readonly kind = 'transient';
}

/** Kind of any thrown value: our errors say it themselves, anything else is assumed transient. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof PipelineError ? error.kind : 'transient';
}

/** Code of any thrown value, for logs. */
export function errorCode(error: unknown): string {
  if (error instanceof PipelineError) return error.code;
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}
