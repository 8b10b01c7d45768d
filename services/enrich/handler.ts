import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseS3Notification } from '../../shared/domain/s3-notification';
import { contextOfKey, measureEnrich, observe, observeBatch } from '../../shared/observability';
import { processSqsBatch } from '../../shared/sqs-batch';
import { runEnrich } from '../../shared/stages/enrich';

/** Enrich: SQS messages carry S3 notifications of raw manifests; each manifest is one batch. */
export function createEnrichHandler(runtime: () => Runtime) {
  return middy(async (event: SQSEvent) => {
    const rt = runtime();
    const log = rt.log.child({ stage: 'enrich' });
    return processSqsBatch(
      event,
      async (record) => {
        for (const ref of parseS3Notification(record.body))
          await observeBatch(
            { ...rt, log },
            'enrich',
            contextOfKey(ref.key),
            (log) => runEnrich({ ...rt, log }, ref),
            measureEnrich,
          );
      },
      log,
    );
  }).use(observe('enrich', runtime));
}

export const handler = createEnrichHandler(runtimeFromEnv);
