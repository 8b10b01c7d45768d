import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseS3Notification } from '../../shared/domain/s3-notification';
import { contextOfKey, measureConvert, observe, observeBatch } from '../../shared/observability';
import { processSqsBatch } from '../../shared/sqs-batch';
import { runConvert } from '../../shared/stages/convert';

/** Convert: SQS messages carry S3 notifications of enriched manifests; each becomes Parquet + a load message. */
export function createConvertHandler(runtime: () => Runtime) {
  return middy(async (event: SQSEvent) => {
    const rt = runtime();
    const log = rt.log.child({ stage: 'convert' });
    return processSqsBatch(
      event,
      async (record) => {
        for (const ref of parseS3Notification(record.body))
          await observeBatch(
            { ...rt, log },
            'convert',
            contextOfKey(ref.key),
            (log) => runConvert({ ...rt, log }, ref),
            measureConvert,
          );
      },
      log,
    );
  }).use(observe('convert', runtime));
}

export const handler = createConvertHandler(runtimeFromEnv);
