/**
 * Structured JSON logs, one line each on stderr (stdout stays free for `npm start -- --json`).
 * Every line carries the stage and whatever context the caller binds (batch id, source, key).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines all carry these fields too. */
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A JSON-lines logger writing to a sink (stderr by default). */
export function createLogger(
  level: LogLevel,
  context: LogFields = {},
  sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const write = (lineLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields) => {
    if (RANK[lineLevel] < RANK[level]) return;
    sink(
      JSON.stringify(
        { level: lineLevel, time: new Date().toISOString(), message, ...context, ...fields },
        errorReplacer,
      ),
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, { ...context, ...fields }, sink),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}
