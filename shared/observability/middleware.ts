import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Stage } from '../constants';
import { errorCode, errorKind } from '../errors';
import { createLogger, type Logger } from '../logger';
import type { Metrics } from './metrics';
import { pipelineTracer } from './tracer';

/** What the middlewares need from the runtime (built lazily, on the first invocation). */
export interface Observed {
  log: Logger;
  metrics: Metrics;
}

/** The runtime, or undefined when it cannot be built (bad config): middlewares must not hide that error. */
function tryRuntime(runtime: () => Observed): Observed | undefined {
  try {
    return runtime();
  } catch {
    return undefined;
  }
}

/**
 * Bind the Lambda context (request id, function name, cold start) to every log line of the
 * invocation, whatever child logger writes it.
 */
export function injectLogContext(runtime: () => Observed): MiddlewareObj {
  return {
    name: 'injectLogContext',
    before: (request) => {
      runtime().log.setInvocation?.(request.context);
    },
  };
}

/** Publish the invocation's metrics (EMF on AWS) when it ends, whether it succeeded or failed. */
export function publishMetrics(runtime: () => Observed): MiddlewareObj {
  const flush = () => tryRuntime(runtime)?.metrics.flush();
  return { name: 'publishMetrics', after: flush, onError: flush };
}

/**
 * Log an error that fails the whole invocation once, with its stable code and kind (transient:
 * the event is retried; terminal: it will fail the same way), then let it fail the invocation.
 * Per-record SQS failures are logged by `processSqsBatch` and never reach this.
 */
export function logErrors(stage: Stage, runtime: () => Observed): MiddlewareObj {
  return {
    name: 'logErrors',
    onError: (request) => {
      const log = tryRuntime(runtime)?.log ?? createLogger('error');
      const error = request.error;
      log.error('invocation failed', {
        stage,
        errorCode: errorCode(error),
        errorKind: errorKind(error),
        error,
      });
    },
  };
}

/**
 * The cross-cutting parts of every pipeline function, in one `.use()`: X-Ray tracing of the
 * handler, Lambda context on the logs, metrics published at the end, failures logged with their code.
 * @example export const handler = middy(work).use(observe('enrich', runtimeFromEnv));
 */
export function observe(stage: Stage, runtime: () => Observed): MiddlewareObj[] {
  return [
    captureLambdaHandler(pipelineTracer()) as MiddlewareObj,
    injectLogContext(runtime),
    publishMetrics(runtime),
    logErrors(stage, runtime),
  ];
}
