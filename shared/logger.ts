/**
 * Structured JSON logs, one line each on stderr (stdout stays free for `npm start -- --json`).
 * Every line carries the stage and whatever context the caller binds (batch id, source, key).
 * On AWS the same interface is backed by the Powertools Logger (`shared/observability`).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

/** The parts of a Lambda invocation's context that every log line of the invocation carries. */
export interface InvocationContext {
  functionName: string;
  awsRequestId: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields too. */
  child(fields: LogFields): Logger;
  /**
   * Bind the current Lambda invocation (request id, function name, cold start) to every line this
   * logger, its parent and its children write from now on; the `injectLogContext` middleware calls it.
   */
  setInvocation?(context: InvocationContext): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * A JSON-lines logger writing to a sink (stderr by default): the local and test logger.
 * @example const log = createLogger('info', { app: 'npm-start' }); log.child({ stage: 'enrich' }).info('batch enriched');
 */
export function createLogger(
  level: LogLevel,
  context: LogFields = {},
  sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  return jsonLogger(level, context, sink, { fields: {}, invocations: 0 });
}

/** Shared by a logger and all its children: the invocation the middleware bound last. */
interface InvocationState {
  fields: LogFields;
  invocations: number;
}

function jsonLogger(
  level: LogLevel,
  context: LogFields,
  sink: (line: string) => void,
  invocation: InvocationState,
): Logger {
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (RANK[lineLevel] < RANK[level]) return;
    sink(
      JSON.stringify(
        {
          level: lineLevel,
          time: new Date().toISOString(),
          message,
          ...invocation.fields,
          ...context,
          ...fields,
        },
        errorReplacer,
      ),
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => jsonLogger(level, { ...context, ...fields }, sink, invocation),
    setInvocation(lambda) {
      invocation.invocations += 1;
      invocation.fields = {
        cold_start: invocation.invocations === 1,
        function_name: lambda.functionName,
        function_request_id: lambda.awsRequestId,
      };
    },
  };
}

/** Errors as `{name, message, code}` (no stack, no attached objects that could hold secrets). */
export function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}
