import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsMessageQueue } from '../../shared/adapters/message-queue';

const sqsMock = mockClient(SQSClient);

describe('SqsMessageQueue', () => {
  afterEach(() => {
    sqsMock.reset();
  });

  it('sends a FIFO message with its body as JSON, its group and its deduplication id', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const queue = new SqsMessageQueue(new SQSClient({ region: 'us-east-1' }));
    const body = {
      batchId: 'dummyjson-20261126T030000Z',
      bucket: 'curated',
      manifestKey: 'curated/_manifests/x.json',
    };

    // Act
    await queue.send('https://sqs.us-east-1.amazonaws.com/000000000000/LoadQueue.fifo', body, {
      groupId: 'warehouse',
      deduplicationId: 'dummyjson-20261126T030000Z',
    });

    // Assess
    const calls = sqsMock.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toStrictEqual({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/LoadQueue.fifo',
      MessageBody:
        '{"batchId":"dummyjson-20261126T030000Z","bucket":"curated","manifestKey":"curated/_manifests/x.json"}',
      MessageGroupId: 'warehouse',
      MessageDeduplicationId: 'dummyjson-20261126T030000Z',
    });
  });

  it('sends a standard message without a group or a deduplication id', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-2' });
    const queue = new SqsMessageQueue(new SQSClient({ region: 'us-east-1' }));

    // Act
    await queue.send('https://sqs.us-east-1.amazonaws.com/000000000000/Plain', { hello: 'world' });

    // Assess
    const calls = sqsMock.commandCalls(SendMessageCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toEqual({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/Plain',
      MessageBody: '{"hello":"world"}',
    });
    expect(input?.MessageGroupId).toBeUndefined();
    expect(input?.MessageDeduplicationId).toBeUndefined();
  });

  it('lets a failed send reject so the caller can retry the record', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(new Error('throttled'));
    const queue = new SqsMessageQueue(new SQSClient({ region: 'us-east-1' }));

    // Act
    const sending = queue.send('https://sqs.us-east-1.amazonaws.com/000000000000/Plain', {});

    // Assess
    await expect(sending).rejects.toThrow('throttled');
  });
});
