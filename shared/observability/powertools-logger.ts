import type { LogItem } from '@aws-lambda-powertools/logger';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogFields, Logger, LogLevel } from '../logger';
import { LOG_RECORD_ORDER } from './constants';

export interface PowertoolsLoggerOptions {
  level: LogLevel;
  /** Service name on every line; default: POWERTOOLS_SERVICE_NAME (Powertools reads it). */
  serviceName?: string;
  /** Fields on every line. */
  context?: LogFields;
  /**
   * Where each JSON line goes. Default: Powertools' own console (stdout, as Lambda expects); a
   * local process passes stderr so its stdout stays clean, and tests pass an array.
   */
  sink?: (line: string) => void;
}

/**
 * The pipeline's `Logger` backed by the Powertools Logger: the JSON format CloudWatch Logs Insights
 * and Powertools users know (level, message, timestamp, service, cold_start, function_request_id,
 * xray_trace_id, ...), with the pipeline's context keys (stage, batchId, source, key) right after.
 * @example const log = createPowertoolsLogger({ level: 'info' }); log.child({ stage: 'load' }).info('batch loaded');
 */
export function createPowertoolsLogger(options: PowertoolsLoggerOptions): Logger {
  const settings = {
    logLevel: options.level.toUpperCase() as Uppercase<LogLevel>,
    logRecordOrder: [...LOG_RECORD_ORDER],
    jsonReplacerFn: powertoolsErrorReplacer,
    ...(options.serviceName ? { serviceName: options.serviceName } : {}),
  };
  const sink = options.sink;
  const logger = sink ? new SinkLogger(settings, sink) : new PowertoolsLogger(settings);
  return wrap(logger, options.context ?? {});
}

function wrap(logger: PowertoolsLogger, context: LogFields): Logger {
  const fieldsOf = (fields?: LogFields) => ({ ...context, ...fields });
  return {
    debug: (message, fields) => logger.debug(message, fieldsOf(fields)),
    info: (message, fields) => logger.info(message, fieldsOf(fields)),
    warn: (message, fields) => logger.warn(message, fieldsOf(fields)),
    error: (message, fields) => logger.error(message, fieldsOf(fields)),
    // One Powertools instance under every child: the Lambda context it holds reaches all their lines.
    child: (fields) => wrap(logger, fieldsOf(fields)),
    setInvocation: (invocation) => logger.addContext(invocation as Context),
  };
}

/** A Powertools Logger that hands each formatted line to a sink instead of its console. */
class SinkLogger extends PowertoolsLogger {
  // Set before any line is printed: Powertools buffers its constructor's own warnings until it is set up.
  static #sinks = new WeakMap<SinkLogger, (line: string) => void>();

  constructor(options: ConstructorParameters<typeof PowertoolsLogger>[0], sink: (line: string) => void) {
    super(options);
    SinkLogger.#sinks.set(this, sink);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    const sink = SinkLogger.#sinks.get(this);
    if (!sink) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/** Errors keep their stack on AWS (for the developer), plus the pipeline's stable `code` and `kind`. */
function powertoolsErrorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { code, kind } = value as { code?: unknown; kind?: unknown };
  return {
    name: value.name,
    message: value.message,
    ...(code === undefined ? {} : { code }),
    ...(kind === undefined ? {} : { kind }),
    stack: value.stack,
    ...(value.cause instanceof Error
      ? { cause: { name: value.cause.name, message: value.cause.message } }
      : {}),
  };
}
