import type { Stage } from '../constants';
import type { Logger } from '../logger';
import type { BatchContext } from './batch-context';
import type { Metrics } from './metrics';
import type { Measured } from './stage-measures';
import { traceBatch } from './tracer';

/**
 * Run a stage's work on one batch with the batch bound to every log line (batchId, source, key),
 * in an X-Ray subsegment annotated with the batch id, and record what it did as metrics (its
 * counts, its duration, or a failure). Errors pass through unchanged.
 * @example
 * await observeBatch({ log, metrics }, 'enrich', contextOfKey(ref.key), (log) => runEnrich({ ...rt, log }, ref), measureEnrich);
 */
export async function observeBatch<T>(
  deps: { log: Logger; metrics: Metrics },
  stage: Stage,
  context: BatchContext,
  work: (log: Logger) => Promise<T>,
  measure: (result: T, durationMs: number) => Measured,
): Promise<T> {
  const log = deps.log.child({ ...context });
  const startedAt = Date.now();
  return traceBatch(`### ${stage} batch`, { stage, ...context }, async () => {
    let result: T;
    try {
      result = await work(log);
    } catch (error) {
      const endedAt = Date.now();
      deps.metrics.record({
        stage,
        batchId: context.batchId,
        ...optional(context),
        startedAt,
        endedAt,
        failed: true,
        values: { batchesFailed: 1, batchDuration: endedAt - startedAt },
      });
      throw error;
    }
    const endedAt = Date.now();
    const measured = measure(result, endedAt - startedAt);
    const merged = { ...context, ...definedOnly(measured) };
    deps.metrics.record({
      stage,
      batchId: merged.batchId,
      ...optional(merged),
      startedAt,
      endedAt,
      values: { ...measured.values, batchDuration: endedAt - startedAt },
    });
    return result;
  });
}

function optional(context: BatchContext): { source?: string; key?: string } {
  return {
    ...(context.source ? { source: context.source } : {}),
    ...(context.key ? { key: context.key } : {}),
  };
}

function definedOnly(measured: Measured): BatchContext {
  return {
    ...(measured.batchId ? { batchId: measured.batchId } : {}),
    ...(measured.source ? { source: measured.source } : {}),
    ...(measured.key ? { key: measured.key } : {}),
  };
}
