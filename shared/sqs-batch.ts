import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { errorCode, errorKind, InvalidEventError } from './errors';
import type { Logger } from './logger';

/**
 * Process an SQS batch record by record and report partial failures, the way Lambda's
 * `ReportBatchItemFailures` expects: every failed record's messageId, and nothing else. A failed
 * record is retried by SQS and reaches the DLQ after maxReceiveCount. On a FIFO queue the records
 * after a failure are returned too, so a message group keeps its order.
 * @example export const handler = (event: SQSEvent) => processSqsBatch(event, handleRecord, log);
 */
export async function processSqsBatch(
  event: SQSEvent,
  handle: (record: SQSRecord) => Promise<void>,
  log: Logger,
  options: { fifo?: boolean } = {},
): Promise<SQSBatchResponse> {
  if (!event || !Array.isArray(event.Records))
    throw new InvalidEventError('not an SQS event: Records is missing');
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  let failed = false;
  for (const record of event.Records) {
    if (failed && options.fifo) {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await handle(record);
    } catch (error) {
      failed = true;
      batchItemFailures.push({ itemIdentifier: record.messageId });
      log.error('record failed; returned to the queue', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        errorCode: errorCode(error),
        errorKind: errorKind(error),
        error,
      });
    }
  }
  return { batchItemFailures };
}
