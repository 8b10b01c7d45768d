import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, ObjectMissingError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { processSqsBatch } from '../../shared/sqs-batch';

/** An SQS record with a message id and a body. */
const sqsRecord = (messageId: string, body = '{}'): SQSRecord => ({
  messageId,
  receiptHandle: `handle-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '2',
    SentTimestamp: '1795662041734',
    SenderId: 'AIDAJQOC3SADRY5PEMBNW',
    ApproximateFirstReceiveTimestamp: '1795662046801',
  },
  messageAttributes: {},
  md5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:EnrichQueue',
  awsRegion: 'eu-west-1',
});

const sqsEvent = (...ids: string[]): SQSEvent => ({ Records: ids.map((id) => sqsRecord(id)) });

/** A logger that keeps every line it writes, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', { stage: 'test' }, (line) => lines.push(JSON.parse(line)));
  return { log, lines };
}

/** A record handler that fails for the given ids and records every id it is called with. */
function handlerFailingFor(failing: Record<string, Error>) {
  const handled: string[] = [];
  const handle = async (record: SQSRecord) => {
    handled.push(record.messageId);
    const error = failing[record.messageId];
    if (error) throw error;
  };
  return { handle, handled };
}

describe('processSqsBatch', () => {
  it('returns only the failed record and still processes the records after it', async () => {
    // Prepare
    const { log, lines } = capturingLogger();
    const { handle, handled } = handlerFailingFor({ 'm-2': new InvalidEventError('bad body') });

    // Act
    const response = await processSqsBatch(sqsEvent('m-1', 'm-2', 'm-3'), handle, log);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(handled).toEqual(['m-1', 'm-2', 'm-3']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      stage: 'test',
      messageId: 'm-2',
      receiveCount: '2',
      errorCode: 'EVENT_INVALID',
      errorKind: 'terminal',
      error: { name: 'InvalidEventError', message: 'bad body', code: 'EVENT_INVALID' },
    });
  });

  it('returns an empty failure list when every record succeeds', async () => {
    // Prepare
    const { log, lines } = capturingLogger();
    const { handle, handled } = handlerFailingFor({});

    // Act
    const response = await processSqsBatch(sqsEvent('m-1', 'm-2', 'm-3'), handle, log);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handled).toEqual(['m-1', 'm-2', 'm-3']);
    expect(lines).toEqual([]);
  });

  it('returns an empty failure list for an empty batch', async () => {
    // Prepare
    const { log } = capturingLogger();
    const { handle, handled } = handlerFailingFor({});

    // Act
    const response = await processSqsBatch({ Records: [] }, handle, log);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(handled).toEqual([]);
  });

  it('on a FIFO queue returns the records after the first failure too, without processing them', async () => {
    // Prepare
    const { log, lines } = capturingLogger();
    const { handle, handled } = handlerFailingFor({ 'm-2': new Error('warehouse down') });

    // Act
    const response = await processSqsBatch(sqsEvent('m-1', 'm-2', 'm-3', 'm-4'), handle, log, { fifo: true });

    // Assess
    expect(response).toStrictEqual({
      batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }, { itemIdentifier: 'm-4' }],
    });
    expect(handled).toEqual(['m-1', 'm-2']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ messageId: 'm-2', errorCode: 'Error', errorKind: 'transient' });
  });

  it.each([
    ['a pipeline error', new ObjectMissingError('raw', 'raw/a.json'), 'OBJECT_MISSING', 'transient'],
    ['a terminal pipeline error', new InvalidEventError('nope'), 'EVENT_INVALID', 'terminal'],
    ['a plain error', new TypeError('undefined is not a function'), 'TypeError', 'transient'],
  ])('logs %s with its code and kind', async (_name, error, errorCode, errorKind) => {
    // Prepare
    const { log, lines } = capturingLogger();
    const { handle } = handlerFailingFor({ 'm-1': error });

    // Act
    const response = await processSqsBatch(sqsEvent('m-1'), handle, log);

    // Assess
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', messageId: 'm-1', errorCode, errorKind }),
    ]);
  });

  it.each<[string, unknown]>([
    ['an event without Records', {}],
    ['null', null],
    ['Records that is not an array', { Records: 'm-1' }],
    ['an EventBridge scheduled event', { 'detail-type': 'Scheduled Event', time: '2026-11-26T03:00:00Z' }],
  ])('throws InvalidEventError for %s', async (_name, event) => {
    // Prepare
    const { log } = capturingLogger();
    const { handle, handled } = handlerFailingFor({});

    // Act
    const processing = processSqsBatch(event as SQSEvent, handle, log);

    // Assess
    await expect(processing).rejects.toBeInstanceOf(InvalidEventError);
    expect(handled).toEqual([]);
  });
});
