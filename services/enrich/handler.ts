import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseS3Notification } from '../../shared/domain/s3-notification';
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
        for (const ref of parseS3Notification(record.body)) await runEnrich({ ...rt, log }, ref);
      },
      log,
    );
  });
}

export const handler = createEnrichHandler(runtimeFromEnv);
