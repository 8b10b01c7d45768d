import { setMaxListeners } from 'node:events';
import { setTimeout as pause } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import type { LocalQueue } from './queues';
import type { EventSourceMapping, Topology } from './topology-types';

/** Calls a function with an SQS event, as Lambda does; resolves with what the handler returned. */
// biome-ignore lint/suspicious/noConfusingVoidType: the return type of aws-lambda's SQSHandler, so typed handlers fit.
export type InvokeFunction = (functionName: string, event: SQSEvent) => Promise<SQSBatchResponse | void>;

export interface EventSourceMappingsOptions {
  sqs: SQSClient;
  topology: Topology;
  /** Queues created by `createQueues`, by logical id. */
  queues: ReadonlyMap<string, LocalQueue>;
  invoke: InvokeFunction;
  /** Failed invocations, malformed batch responses, SQS errors; `console.error` by default. */
  onError?: (error: EventSourceMappingError) => void;
  /** `awsRegion` of the records and region of `eventSourceARN`; the queue ARN's region by default. */
  region?: string;
  /** Account of `eventSourceARN`; the queue ARN's account by default. */
  accountId?: string;
  /** Long-poll wait of each receive, 0 or 1 second; 1 by default. */
  waitTimeSeconds?: 0 | 1;
  /**
   * Visibility timeout (seconds) given to records returned for retry. AWS changes nothing and lets
   * the queue's visibility timeout run out; locally 0 (the default) retries at once, so a poison
   * message reaches its DLQ in milliseconds. `'expire'` behaves as AWS does.
   */
  retryVisibilitySeconds?: number | 'expire';
  /**
   * Caps every mapping's batching window, e.g. 0 for a quick local run; by default each mapping
   * waits its own window, as on AWS (a lone record waits the whole window).
   */
  maxBatchingWindowSeconds?: number;
}

export interface EventSourceMappings {
  /** Ends the polling loops: waits for invocations in flight, returns unprocessed records to their queue. */
  stop(): Promise<void>;
  /**
   * Resolves when every mapped queue is empty (visible + in flight + delayed == 0) and no batch is
   * being processed; rejects after `timeoutMs`, or when the mappings are stopped first.
   */
  idle(options?: { timeoutMs?: number }): Promise<void>;
}

export type EventSourceMappingErrorCode =
  | 'INVOKE_FAILED'
  | 'MALFORMED_BATCH_RESPONSE'
  | 'RECEIVE_FAILED'
  | 'DELETE_FAILED'
  | 'RELEASE_FAILED'
  | 'IDLE_TIMEOUT'
  | 'STOPPED';

/** Something went wrong between a queue and its function; `cause` holds the underlying error. */
export class EventSourceMappingError extends Error {
  constructor(
    readonly code: EventSourceMappingErrorCode,
    message: string,
    readonly context: { functionName?: string; queueLogicalId?: string; messageIds?: string[] },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EventSourceMappingError';
  }
}

/** A mapping AWS would refuse to create, or one whose queue does not exist. */
export class EventSourceMappingConfigError extends Error {
  readonly code = 'EVENT_SOURCE_MAPPING_INVALID';
  constructor(
    message: string,
    readonly functionName: string,
  ) {
    super(message);
    this.name = 'EventSourceMappingConfigError';
  }
}

/** Records to delete and records to return to the queue after an invocation. */
export interface BatchSettlement {
  succeeded: SQSRecord[];
  failed: SQSRecord[];
  /** Why the response made the whole batch fail, when it was malformed. */
  malformed?: string;
}

const IDLE_CHECK_INTERVAL_MS = 25;
const SHORT_POLL_PAUSE_MS = 20;
const MAX_RECEIVE_BATCH = 10;
const SQS_BATCH_LIMIT = 10;

/**
 * Splits an invoked batch into records to delete and records to return, as Lambda does with
 * `ReportBatchItemFailures`: no response, `{}` or an empty list is full success; a response that is
 * not an object, a `batchItemFailures` that is not a list, or an item whose `itemIdentifier` is
 * missing, empty, not a string or not a message id of the batch fails the whole batch. In a FIFO
 * batch, the records after a failed one in the same message group are returned too.
 *
 * @example
 * const { succeeded, failed } = settleBatch(event.Records, response, { reportBatchItemFailures: true, fifo: false });
 */
export function settleBatch(
  records: readonly SQSRecord[],
  response: unknown,
  options: { reportBatchItemFailures: boolean; fifo: boolean },
): BatchSettlement {
  if (!options.reportBatchItemFailures) return { succeeded: [...records], failed: [] };
  const failedIds = readFailedIds(response, new Set(records.map((record) => record.messageId)));
  if (typeof failedIds === 'string') return { succeeded: [], failed: [...records], malformed: failedIds };

  const blockedGroups = new Set<string>();
  const settlement: BatchSettlement = { succeeded: [], failed: [] };
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? '';
    const failed = failedIds.has(record.messageId) || (options.fifo && blockedGroups.has(group));
    if (failed && options.fifo) blockedGroups.add(group);
    (failed ? settlement.failed : settlement.succeeded).push(record);
  }
  return settlement;
}

/** The failed message ids a response names, or why the response is malformed. */
function readFailedIds(response: unknown, batchIds: ReadonlySet<string>): Set<string> | string {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return 'the response is not a JSON object';
  const failures: unknown = Reflect.get(response, 'batchItemFailures');
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'batchItemFailures is not a list';
  const ids = new Set<string>();
  for (const failure of failures) {
    const id: unknown =
      typeof failure === 'object' && failure !== null ? Reflect.get(failure, 'itemIdentifier') : undefined;
    if (typeof id !== 'string' || id === '')
      return `itemIdentifier ${JSON.stringify(id) ?? 'undefined'} is not a message id`;
    if (!batchIds.has(id)) return `itemIdentifier ${id} is not in the batch`;
    ids.add(id);
  }
  return ids;
}

interface MappingContext {
  mapping: EventSourceMapping;
  queue: LocalQueue;
  eventSourceARN: string;
  awsRegion: string;
  windowMs: number;
}

/**
 * Plays Lambda's SQS event source mappings against the local SQS server: per mapping, up to
 * `maximumConcurrency` pollers (1 by default) long-poll the queue, gather a batch of up to
 * `batchSize` records within the batching window, invoke the function with a real `SQSEvent`,
 * delete what succeeded and return what failed. Redrive to the DLQ is the SQS server's job, after
 * `maxReceiveCount` receives. FIFO order relies on SQS too: a message group with a record in flight
 * delivers nothing more until that record is deleted or returned, so a group is never processed in
 * parallel, and returned records go back in their order.
 *
 * @example
 * const mappings = startEventSourceMappings({ sqs, topology, queues, invoke: (name, event) => handlers[name](event) });
 * await mappings.idle();
 * await mappings.stop();
 */
export function startEventSourceMappings(options: EventSourceMappingsOptions): EventSourceMappings {
  const { sqs, topology, queues, invoke } = options;
  const report = (error: EventSourceMappingError): void => {
    try {
      (options.onError ?? console.error)(error);
    } catch (callbackError) {
      // A throwing onError must not end a polling loop.
      console.error(callbackError);
    }
  };
  const longPollSeconds = options.waitTimeSeconds ?? 1;
  const retryVisibility = options.retryVisibilitySeconds ?? 0;
  const contexts = topology.eventSources.map((mapping) => mappingContext(mapping, queues, options));

  const abort = new AbortController();
  // One signal ends every long poll and pause at stop(); they are many at once but bounded (the SDK removes
  // its listener when a request settles), so lift the default warning threshold of 10.
  setMaxListeners(100, abort.signal);
  let stopped = false;
  let busy = 0;
  let batchesStarted = 0;

  const receive = async (context: MappingContext, max: number, waitSeconds: number): Promise<Message[]> => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: context.queue.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return Messages ?? [];
  };

  /** Gathers up to batchSize messages; the window opens at the first message received. */
  const collect = async (context: MappingContext): Promise<{ messages: Message[]; error?: unknown }> => {
    const { batchSize } = context.mapping;
    const messages: Message[] = [];
    let deadline: number | undefined;
    try {
      while (!stopped && messages.length < batchSize) {
        const remaining = deadline === undefined ? undefined : deadline - Date.now();
        if (remaining !== undefined && remaining <= 0) break;
        const waitSeconds = remaining === undefined || remaining >= 1000 ? longPollSeconds : 0;
        const received = await receive(
          context,
          Math.min(MAX_RECEIVE_BATCH, batchSize - messages.length),
          waitSeconds,
        );
        if (received.length > 0) {
          messages.push(...received);
          deadline ??= Date.now() + context.windowMs;
        } else if (waitSeconds === 0) {
          await pause(Math.min(remaining ?? SHORT_POLL_PAUSE_MS, SHORT_POLL_PAUSE_MS), undefined, {
            signal: abort.signal,
          });
        }
        if (deadline === undefined) break;
      }
      return { messages };
    } catch (error) {
      return { messages, error };
    }
  };

  const deleteRecords = async (context: MappingContext, records: readonly SQSRecord[]): Promise<void> => {
    for (const chunk of chunks(records, SQS_BATCH_LIMIT)) {
      await settleChunk(context, chunk, 'DELETE_FAILED', () =>
        sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: context.queue.url,
            Entries: chunk.map((record, index) => ({ Id: `m${index}`, ReceiptHandle: record.receiptHandle })),
          }),
        ),
      );
    }
  };

  /** Returns records to the queue, last first: fauxqs puts each returned FIFO record back at the head of its group. */
  const releaseRecords = async (context: MappingContext, records: readonly SQSRecord[]): Promise<void> => {
    if (retryVisibility === 'expire') return;
    for (const chunk of chunks([...records].reverse(), SQS_BATCH_LIMIT)) {
      await settleChunk(context, chunk, 'RELEASE_FAILED', () =>
        sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: context.queue.url,
            Entries: chunk.map((record, index) => ({
              Id: `m${index}`,
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: retryVisibility,
            })),
          }),
        ),
      );
    }
  };

  const settleChunk = async (
    context: MappingContext,
    chunk: readonly SQSRecord[],
    code: 'DELETE_FAILED' | 'RELEASE_FAILED',
    call: () => Promise<{ Failed?: Array<{ Id?: string; Code?: string; Message?: string }> }>,
  ): Promise<void> => {
    const what = code === 'DELETE_FAILED' ? 'delete' : 'return';
    const errorContext = {
      functionName: context.mapping.functionName,
      queueLogicalId: context.queue.spec.logicalId,
      messageIds: chunk.map((record) => record.messageId),
    };
    try {
      const { Failed = [] } = await call();
      for (const failure of Failed) {
        const record = chunk[Number(failure.Id?.slice(1))];
        report(
          new EventSourceMappingError(
            code,
            `could not ${what} message ${record?.messageId} of ${context.queue.spec.name}: ${failure.Code} ${failure.Message}`,
            { ...errorContext, messageIds: record ? [record.messageId] : [] },
          ),
        );
      }
    } catch (cause) {
      report(
        new EventSourceMappingError(
          code,
          `could not ${what} ${chunk.length} messages of ${context.queue.spec.name}`,
          errorContext,
          {
            cause,
          },
        ),
      );
    }
  };

  const processBatch = async (context: MappingContext, messages: readonly Message[]): Promise<void> => {
    const { functionName, reportBatchItemFailures } = context.mapping;
    const records = messages.map((message) => toRecord(message, context));
    const errorContext = {
      functionName,
      queueLogicalId: context.queue.spec.logicalId,
      messageIds: records.map((record) => record.messageId),
    };
    let settlement: BatchSettlement;
    try {
      // Lambda hands the function a JSON copy and reads back a JSON response.
      const response = asJson(await invoke(functionName, JSON.parse(JSON.stringify({ Records: records }))));
      settlement = settleBatch(records, response, { reportBatchItemFailures, fifo: context.queue.spec.fifo });
      if (settlement.malformed) {
        report(
          new EventSourceMappingError(
            'MALFORMED_BATCH_RESPONSE',
            `${functionName} returned a malformed batch response (${settlement.malformed}): the whole batch failed`,
            errorContext,
          ),
        );
      }
    } catch (cause) {
      report(
        new EventSourceMappingError(
          'INVOKE_FAILED',
          `${functionName} failed: the whole batch failed`,
          errorContext,
          { cause },
        ),
      );
      settlement = { succeeded: [], failed: records };
    }
    await deleteRecords(context, settlement.succeeded);
    await releaseRecords(context, settlement.failed);
  };

  const poll = async (context: MappingContext): Promise<void> => {
    let failures = 0;
    while (!stopped) {
      const { messages, error } = await collect(context);
      if (error !== undefined && !stopped) {
        failures += 1;
        report(
          new EventSourceMappingError(
            'RECEIVE_FAILED',
            `could not receive from ${context.queue.spec.name}`,
            { functionName: context.mapping.functionName, queueLogicalId: context.queue.spec.logicalId },
            { cause: error },
          ),
        );
      } else if (error === undefined) {
        failures = 0;
      }
      if (messages.length > 0) {
        busy += 1;
        batchesStarted += 1;
        try {
          // Records received while stopping are returned unprocessed.
          const returning = stopped ? messages.map((message) => toRecord(message, context)) : undefined;
          await (returning ? releaseRecords(context, returning) : processBatch(context, messages));
        } finally {
          busy -= 1;
        }
      }
      if (failures > 0 && !stopped) {
        await pause(Math.min(1000, 50 * 2 ** failures), undefined, { signal: abort.signal }).catch(
          () => undefined,
        );
      }
    }
  };

  const pollers = contexts.flatMap((context) =>
    Array.from({ length: context.mapping.maximumConcurrency ?? 1 }, () => poll(context)),
  );
  const mappedQueues = [...new Map(contexts.map((context) => [context.queue.url, context.queue])).values()];

  const queuesEmpty = async (): Promise<boolean> => {
    for (const queue of mappedQueues) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const pending =
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
      if (pending > 0) return false;
    }
    return true;
  };

  return {
    stop: async () => {
      stopped = true;
      abort.abort();
      await Promise.allSettled(pollers);
    },
    idle: async ({ timeoutMs } = {}) => {
      const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
      for (;;) {
        if (stopped)
          throw new EventSourceMappingError('STOPPED', 'the event source mappings were stopped', {});
        if (busy === 0) {
          // No batch may start and finish while the queues are read, or its output could be missed.
          const started = batchesStarted;
          if ((await queuesEmpty()) && busy === 0 && batchesStarted === started) return;
        }
        if (Date.now() >= deadline) {
          throw new EventSourceMappingError(
            'IDLE_TIMEOUT',
            `the mapped queues did not drain within ${timeoutMs} ms`,
            {},
          );
        }
        await pause(IDLE_CHECK_INTERVAL_MS, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    },
  };
}

function mappingContext(
  mapping: EventSourceMapping,
  queues: ReadonlyMap<string, LocalQueue>,
  options: Pick<EventSourceMappingsOptions, 'region' | 'accountId' | 'maxBatchingWindowSeconds'>,
): MappingContext {
  const fail = (message: string): never => {
    throw new EventSourceMappingConfigError(`${mapping.functionName}: ${message}`, mapping.functionName);
  };
  const queue = queues.get(mapping.queueLogicalId) ?? fail(`queue ${mapping.queueLogicalId} was not created`);
  const { batchSize, maximumBatchingWindowSeconds: window, maximumConcurrency } = mapping;
  if (!Number.isInteger(batchSize) || batchSize < 1) fail(`batchSize ${batchSize} is not a positive integer`);
  if (queue.spec.fifo && batchSize > 10) fail(`batchSize ${batchSize} exceeds 10, the limit for FIFO queues`);
  if (batchSize > 10 && window < 1)
    fail(`batchSize ${batchSize} above 10 needs a batching window of 1 s or more`);
  if (!(window >= 0 && window <= 300)) fail(`maximumBatchingWindow ${window} is not between 0 and 300 s`);
  if (
    maximumConcurrency !== undefined &&
    !(Number.isInteger(maximumConcurrency) && maximumConcurrency >= 1)
  ) {
    fail(`maximumConcurrency ${maximumConcurrency} is not a positive integer`);
  }
  const [arn, partition, service, arnRegion, arnAccount, ...name] = queue.arn.split(':');
  const awsRegion = options.region ?? arnRegion ?? 'us-east-1';
  return {
    mapping,
    queue,
    eventSourceARN: [arn, partition, service, awsRegion, options.accountId ?? arnAccount, ...name].join(':'),
    awsRegion,
    windowMs: Math.min(window, options.maxBatchingWindowSeconds ?? window) * 1000,
  };
}

/** A received message as Lambda writes it into an `SQSEvent`. */
function toRecord(message: Message, context: MappingContext): SQSRecord {
  const received = message.Attributes ?? {};
  const now = String(Date.now());
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: received.ApproximateReceiveCount ?? '1',
    SentTimestamp: received.SentTimestamp ?? now,
    SenderId: received.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: received.ApproximateFirstReceiveTimestamp ?? now,
    ...(received.AWSTraceHeader !== undefined && { AWSTraceHeader: received.AWSTraceHeader }),
    ...(received.SequenceNumber !== undefined && { SequenceNumber: received.SequenceNumber }),
    ...(received.MessageGroupId !== undefined && { MessageGroupId: received.MessageGroupId }),
    ...(received.MessageDeduplicationId !== undefined && {
      MessageDeduplicationId: received.MessageDeduplicationId,
    }),
  };
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
      }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((binary) =>
        Buffer.from(binary).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined && {
      md5OfMessageAttributes: message.MD5OfMessageAttributes,
    }),
    eventSource: 'aws:sqs',
    eventSourceARN: context.eventSourceARN,
    awsRegion: context.awsRegion,
  };
}

/** The response as Lambda reads it: serialised to JSON and parsed back (a failure to serialise throws). */
function asJson(response: unknown): unknown {
  const serialised = JSON.stringify(response);
  return serialised === undefined ? undefined : JSON.parse(serialised);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
