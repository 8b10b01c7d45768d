import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import type { Runtime } from './compose';
import type { Stage } from './constants';
import { type ObjectRef, parseS3Notification } from './domain/s3-notification';
import type { Logger } from './logger';
import { contextOfKey, type Measured, observe, observeBatch } from './observability';
import { processSqsBatch } from './sqs-batch';

/**
 * The handler of a stage that S3 wakes through SQS when a manifest lands (enrich, convert): each
 * notified manifest is one batch, observed (logs, metrics, trace) and run by `run`; failed records
 * go back to the queue as `batchItemFailures`.
 * @example export const handler = createManifestHandler('enrich', runEnrich, measureEnrich, runtimeFromEnv);
 */
export function createManifestHandler<T>(
  stage: Stage,
  run: (deps: Runtime & { log: Logger }, ref: ObjectRef) => Promise<T>,
  measure: (result: T, durationMs: number) => Measured,
  runtime: () => Runtime,
) {
  return middy(async (event: SQSEvent) => {
    const rt = runtime();
    const log = rt.log.child({ stage });
    return processSqsBatch(
      event,
      async (record) => {
        for (const ref of parseS3Notification(record.body)) {
          await observeBatch(
            { ...rt, log },
            stage,
            contextOfKey(ref.key),
            (log) => run({ ...rt, log }, ref),
            measure,
          );
        }
      },
      log,
    );
  }).use(observe(stage, runtime));
}
