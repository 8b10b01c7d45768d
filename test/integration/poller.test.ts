import { createHash } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventSourceMappingError,
  type EventSourceMappings,
  type EventSourceMappingsOptions,
  type InvokeFunction,
  settleBatch,
  startEventSourceMappings,
} from '../../local/poller';
import { createQueues, type LocalQueues } from '../../local/queues';
import { type SqsServer, sqsClientConfig, startSqsServer } from '../../local/sqs-server';
import type { EventSourceMapping, QueueSpec, Topology } from '../../local/topology-types';

const record = (messageId: string, group?: string): SQSRecord => ({
  messageId,
  receiptHandle: `handle-${messageId}`,
  body: messageId,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 'sender',
    ApproximateFirstReceiveTimestamp: '0',
    ...(group !== undefined && { MessageGroupId: group }),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});

const ids = (records: readonly SQSRecord[]): string[] => records.map((r) => r.messageId);

describe('settleBatch', () => {
  const batch = [record('a'), record('b'), record('c')];

  it.each([
    ['no response', undefined],
    ['a null response', null],
    ['an empty object', {}],
    ['an empty failure list', { batchItemFailures: [] }],
    ['a null failure list', { batchItemFailures: null }],
  ])('treats %s as full success', (_label, response) => {
    // Act
    const settlement = settleBatch(batch, response, { reportBatchItemFailures: true, fifo: false });

    // Assess
    expect(ids(settlement.succeeded)).toEqual(['a', 'b', 'c']);
    expect(settlement.failed).toEqual([]);
    expect(settlement.malformed).toBeUndefined();
  });

  it('returns only the records the response lists as failed', () => {
    // Act
    const settlement = settleBatch(
      batch,
      { batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'b' }] },
      { reportBatchItemFailures: true, fifo: false },
    );

    // Assess
    expect(ids(settlement.succeeded)).toEqual(['a', 'c']);
    expect(ids(settlement.failed)).toEqual(['b']);
  });

  it.each([
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['an itemIdentifier under a wrong key name', { batchItemFailures: [{ itemIdentifer: 'b' }] }],
    ['an itemIdentifier that is not in the batch', { batchItemFailures: [{ itemIdentifier: 'z' }] }],
    ['a numeric itemIdentifier', { batchItemFailures: [{ itemIdentifier: 1 }] }],
    ['a failure list that is not a list', { batchItemFailures: 'b' }],
    ['a response that is not an object', 'b'],
    ['a list as the response', [{ itemIdentifier: 'b' }]],
  ])('fails the whole batch on %s', (_label, response) => {
    // Act
    const settlement = settleBatch(batch, response, { reportBatchItemFailures: true, fifo: false });

    // Assess
    expect(settlement.succeeded).toEqual([]);
    expect(ids(settlement.failed)).toEqual(['a', 'b', 'c']);
    expect(settlement.malformed).toEqual(expect.any(String));
  });

  it('ignores the response of a mapping without ReportBatchItemFailures', () => {
    // Act
    const settlement = settleBatch(
      batch,
      { batchItemFailures: [{ itemIdentifier: 'b' }] },
      {
        reportBatchItemFailures: false,
        fifo: false,
      },
    );

    // Assess
    expect(ids(settlement.succeeded)).toEqual(['a', 'b', 'c']);
  });

  it('returns the records after a failed FIFO record of the same group, and only those', () => {
    // Prepare
    const fifoBatch = [
      record('a1', 'A'),
      record('a2', 'A'),
      record('b1', 'B'),
      record('a3', 'A'),
      record('b2', 'B'),
    ];

    // Act
    const settlement = settleBatch(
      fifoBatch,
      { batchItemFailures: [{ itemIdentifier: 'a2' }] },
      {
        reportBatchItemFailures: true,
        fifo: true,
      },
    );

    // Assess
    expect(ids(settlement.succeeded)).toEqual(['a1', 'b1', 'b2']);
    expect(ids(settlement.failed)).toEqual(['a2', 'a3']);
  });

  it('returns only the listed records of a standard queue, whatever their group', () => {
    // Prepare
    const standardBatch = [record('a1', 'A'), record('a2', 'A'), record('a3', 'A')];

    // Act
    const settlement = settleBatch(
      standardBatch,
      { batchItemFailures: [{ itemIdentifier: 'a2' }] },
      {
        reportBatchItemFailures: true,
        fifo: false,
      },
    );

    // Assess
    expect(ids(settlement.failed)).toEqual(['a2']);
  });
});

/** Polls a condition every 10 ms until it holds, or fails after the deadline. */
const waitFor = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('startEventSourceMappings', () => {
  let server: SqsServer;
  let sqs: SQSClient;
  let mappings: EventSourceMappings | undefined;
  let queueCount = 0;

  beforeAll(async () => {
    server = await startSqsServer();
    sqs = new SQSClient(sqsClientConfig(server.endpoint));
  });

  afterEach(async () => {
    await mappings?.stop();
    mappings = undefined;
  });

  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  /** A fresh queue and its DLQ (maxReceiveCount 3, visibility 2 s), mapped to function `fn`. */
  const wire = async (
    mapping: Partial<EventSourceMapping> = {},
    options: { fifo?: boolean } = {},
  ): Promise<{ topology: Topology; queues: LocalQueues; url: string; dlqUrl: string; arn: string }> => {
    queueCount += 1;
    const fifo = options.fifo ?? false;
    const suffix = fifo ? '.fifo' : '';
    const spec = (logicalId: string, deadLetter?: QueueSpec['deadLetter']): QueueSpec => ({
      logicalId,
      name: `${logicalId}${suffix}`,
      fifo,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: 2,
      ...(deadLetter && { deadLetter }),
    });
    const topology: Topology = {
      queues: [
        spec(`Work${queueCount}`, { queueLogicalId: `Dead${queueCount}`, maxReceiveCount: 3 }),
        spec(`Dead${queueCount}`),
      ],
      notifications: [],
      eventSources: [
        {
          functionName: 'fn',
          queueLogicalId: `Work${queueCount}`,
          batchSize: 10,
          maximumBatchingWindowSeconds: 0,
          reportBatchItemFailures: true,
          ...mapping,
        },
      ],
      schedules: [],
    };
    const queues = await createQueues(sqs, topology);
    const work = queues.get(`Work${queueCount}`);
    const dead = queues.get(`Dead${queueCount}`);
    if (!work || !dead) throw new Error('queues were not created');
    return { topology, queues, url: work.url, dlqUrl: dead.url, arn: work.arn };
  };

  const send = async (
    url: string,
    entries: Array<Omit<SendMessageBatchRequestEntry, 'Id'>>,
  ): Promise<void> => {
    for (let start = 0; start < entries.length; start += 10) {
      const chunk = entries
        .slice(start, start + 10)
        .map((entry, index) => ({ Id: `e${start + index}`, ...entry }));
      const { Failed = [] } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: chunk }));
      expect(Failed).toEqual([]);
    }
  };

  const pending = async (url: string): Promise<number> => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  };

  const start = (
    wiring: { topology: Topology; queues: LocalQueues },
    invoke: InvokeFunction,
    errors: EventSourceMappingError[] = [],
    options: Partial<EventSourceMappingsOptions> = {},
  ): EventSourceMappings => {
    mappings = startEventSourceMappings({
      sqs,
      topology: wiring.topology,
      queues: wiring.queues,
      invoke,
      onError: (error) => errors.push(error),
      ...options,
    });
    return mappings;
  };

  it('invokes the function with a Lambda SQS event and deletes the batch when it succeeds', async () => {
    // Prepare
    const wiring = await wire();
    const bodies = ['one', 'two', 'three', 'four', 'five'];
    await send(wiring.url, [
      ...bodies.slice(0, 4).map((body) => ({ MessageBody: body })),
      {
        MessageBody: 'five',
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bytes') },
        },
      },
    ]);
    const events: SQSEvent[] = [];

    // Act
    const running = start(wiring, async (functionName, event) => {
      expect(functionName).toBe('fn');
      events.push(event);
    });
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(events).toHaveLength(1);
    const records = events[0]?.Records ?? [];
    expect(records.map((r) => r.body).sort()).toEqual([...bodies].sort());
    for (const r of records) {
      expect(r).toMatchObject({
        eventSource: 'aws:sqs',
        eventSourceARN: wiring.arn,
        awsRegion: 'us-east-1',
        md5OfBody: createHash('md5').update(r.body).digest('hex'),
        attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
      });
      expect(Number(r.attributes.SentTimestamp)).toBeGreaterThan(0);
      expect(Number(r.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThan(0);
      expect(r.messageId).toEqual(expect.any(String));
      expect(r.receiptHandle).toEqual(expect.any(String));
    }
    expect(records.find((r) => r.body === 'five')?.messageAttributes).toEqual({
      tenant: { stringValue: 'acme', stringListValues: [], binaryListValues: [], dataType: 'String' },
      blob: {
        binaryValue: Buffer.from('bytes').toString('base64'),
        stringListValues: [],
        binaryListValues: [],
        dataType: 'Binary',
      },
    });
    expect(await pending(wiring.url)).toBe(0);
  });

  it('sends a poison record to the DLQ after 3 receives and deletes its batch mates once', async () => {
    // Prepare
    const wiring = await wire();
    await send(
      wiring.url,
      ['ok-1', 'poison', 'ok-2', 'ok-3'].map((body) => ({ MessageBody: body })),
    );
    const seen = new Map<string, string[]>();

    // Act
    const running = start(wiring, async (_name, event): Promise<SQSBatchResponse> => {
      for (const r of event.Records) {
        seen.set(r.body, [...(seen.get(r.body) ?? []), r.attributes.ApproximateReceiveCount]);
      }
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    });
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(Object.fromEntries(seen)).toEqual({
      'ok-1': ['1'],
      'ok-2': ['1'],
      'ok-3': ['1'],
      poison: ['1', '2', '3'],
    });
    expect(await pending(wiring.url)).toBe(0);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: wiring.dlqUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['poison']);
  });

  it('retries the whole batch when the function throws, then deletes it', async () => {
    // Prepare
    const wiring = await wire();
    await send(wiring.url, [{ MessageBody: 'flaky' }]);
    const errors: EventSourceMappingError[] = [];
    const receiveCounts: string[] = [];
    let calls = 0;

    // Act
    const running = start(
      wiring,
      async (_name, event) => {
        calls += 1;
        receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
        if (calls === 1) throw new Error('warehouse unreachable');
      },
      errors,
    );
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(receiveCounts).toEqual(['1', '2']);
    expect(errors.map((e) => e.code)).toEqual(['INVOKE_FAILED']);
    expect(errors[0]?.cause).toEqual(new Error('warehouse unreachable'));
    expect(await pending(wiring.url)).toBe(0);
    expect(await pending(wiring.dlqUrl)).toBe(0);
  });

  it('retries the whole batch when the function returns a malformed batch response', async () => {
    // Prepare
    const wiring = await wire();
    await send(
      wiring.url,
      ['a', 'b'].map((body) => ({ MessageBody: body })),
    );
    const errors: EventSourceMappingError[] = [];
    const seen: string[] = [];

    // Act
    const running = start(
      wiring,
      async (_name, event) => {
        seen.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        return seen.length <= 2 ? { batchItemFailures: [{ itemIdentifier: '' }] } : { batchItemFailures: [] };
      },
      errors,
    );
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(seen.sort()).toEqual(['a#1', 'a#2', 'b#1', 'b#2']);
    expect(errors.map((e) => e.code)).toEqual(['MALFORMED_BATCH_RESPONSE']);
    expect(await pending(wiring.url)).toBe(0);
  });

  it('keeps each FIFO message group in order and never processes a group in parallel', async () => {
    // Prepare
    const wiring = await wire({ maximumConcurrency: 2 }, { fifo: true });
    const sent = ['A1', 'B1', 'A2', 'B2', 'A3', 'C1', 'B3', 'A4', 'C2', 'B4'];
    await send(
      wiring.url,
      sent.map((body) => ({
        MessageBody: body,
        MessageGroupId: body.charAt(0),
        MessageDeduplicationId: body,
      })),
    );
    const done = new Map<string, string[]>();
    const inFlightGroups = new Set<string>();
    let overlaps = 0;
    let failedA2 = false;

    // Act
    const running = start(wiring, async (_name, event): Promise<SQSBatchResponse> => {
      const groups = event.Records.map((r) => r.attributes.MessageGroupId ?? '');
      if (groups.some((group) => inFlightGroups.has(group))) overlaps += 1;
      for (const group of groups) inFlightGroups.add(group);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const failures: string[] = [];
      for (const r of event.Records) {
        // A2 fails once: A3 and A4 must wait for its retry.
        if (r.body === 'A2' && !failedA2) {
          failedA2 = true;
          failures.push(r.messageId);
          continue;
        }
        const group = r.attributes.MessageGroupId ?? '';
        done.set(group, [...(done.get(group) ?? []), r.body]);
      }
      for (const group of groups) inFlightGroups.delete(group);
      return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
    });
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(Object.fromEntries(done)).toEqual({
      A: ['A1', 'A2', 'A3', 'A4'],
      B: ['B1', 'B2', 'B3', 'B4'],
      C: ['C1', 'C2'],
    });
    expect(failedA2).toBe(true);
    expect(overlaps).toBe(0);
    expect(await pending(wiring.dlqUrl)).toBe(0);
  });

  it('gathers the records that arrive within the batching window into one batch', async () => {
    // Prepare
    const wiring = await wire({ batchSize: 3, maximumBatchingWindowSeconds: 3 });
    const batches: string[][] = [];
    const running = start(wiring, async (_name, event) => {
      batches.push(event.Records.map((r) => r.body));
    });

    // Act
    await send(wiring.url, [{ MessageBody: 'first' }]);
    await send(wiring.url, [{ MessageBody: 'second' }]);
    await send(wiring.url, [{ MessageBody: 'third' }]);
    const started = Date.now();
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(batches).toEqual([['first', 'second', 'third']]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('invokes a lone record at once when the batching window is capped to zero', async () => {
    // Prepare
    const wiring = await wire({ batchSize: 5, maximumBatchingWindowSeconds: 300 });
    const batches: string[][] = [];
    const running = start(
      wiring,
      async (_name, event) => {
        batches.push(event.Records.map((r) => r.body));
      },
      [],
      { maxBatchingWindowSeconds: 0 },
    );

    // Act
    const started = Date.now();
    await send(wiring.url, [{ MessageBody: 'alone' }]);
    await running.idle({ timeoutMs: 5000 });

    // Assess
    expect(batches).toEqual([['alone']]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('runs up to maximumConcurrency invocations at once, and no more', async () => {
    // Prepare
    const wiring = await wire({ batchSize: 1, maximumConcurrency: 2 });
    await send(
      wiring.url,
      Array.from({ length: 6 }, (_, index) => ({ MessageBody: `m${index}` })),
    );
    let inFlight = 0;
    let peak = 0;

    // Act
    const running = start(wiring, async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      // Hold until a second invocation has started, or give up after a second.
      await waitFor(() => peak >= 2, 1000).catch(() => undefined);
      inFlight -= 1;
    });
    await running.idle({ timeoutMs: 10_000 });

    // Assess
    expect(peak).toBe(2);
    expect(await pending(wiring.url)).toBe(0);
  });

  it('stays busy while an invocation is in flight and turns idle once it ends', async () => {
    // Prepare
    const wiring = await wire();
    await send(wiring.url, [{ MessageBody: 'slow' }]);
    let entered = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = start(wiring, async () => {
      entered = true;
      await gate;
    });

    // Act
    await waitFor(() => entered);
    const whileBusy = running.idle({ timeoutMs: 200 });
    await expect(whileBusy).rejects.toMatchObject({ code: 'IDLE_TIMEOUT' });
    release();
    const started = Date.now();
    await running.idle({ timeoutMs: 5000 });

    // Assess
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending(wiring.url)).toBe(0);
  });

  it('turns idle at once when the mapped queues are empty', async () => {
    // Prepare
    const wiring = await wire();
    const running = start(wiring, async () => undefined);

    // Act
    const started = Date.now();
    await running.idle({ timeoutMs: 5000 });

    // Assess
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('stops promptly while long-polling an empty queue', async () => {
    // Prepare
    const wiring = await wire();
    const running = start(wiring, async () => undefined);
    await running.idle({ timeoutMs: 5000 });

    // Act
    const started = Date.now();
    await running.stop();

    // Assess
    expect(Date.now() - started).toBeLessThan(500);
    await expect(running.idle()).rejects.toMatchObject({ code: 'STOPPED' });
  });
});
