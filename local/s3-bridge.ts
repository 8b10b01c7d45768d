import { randomBytes } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalQueue } from './queues';
import type { NotificationRule, Topology } from './topology-types';

/** What the bridge needs of s3rver: its `event` emitter. */
export interface S3EventSource {
  on(eventName: 'event', listener: (event: unknown) => void): unknown;
  off(eventName: 'event', listener: (event: unknown) => void): unknown;
}

export interface S3BridgeOptions {
  s3rver: S3EventSource;
  topology: Topology;
  /** Queues created by `createQueues`, by logical id. */
  queues: ReadonlyMap<string, LocalQueue>;
  sqs: SQSClient;
  /** Bucket name by the bucket's logical id in serverless.yml. */
  bucketNames: Record<string, string>;
  /** Called for each failed send; without it, `idle()` rejects with the failures. */
  onError?: (error: S3BridgeError) => void;
  /** Region written in the records; `us-east-1` by default. */
  region?: string;
  /** Send S3's `s3:TestEvent` once to each notified queue on start, as S3 does when the rules are set. */
  sendTestEvents?: boolean;
}

export interface S3Bridge {
  /** Stops listening; sends already started still complete. */
  stop(): void;
  /** Resolves when no send is in flight. */
  idle(): Promise<void>;
}

/** One record of an S3 event notification, as S3 delivers it to SQS. */
export interface S3NotificationRecord {
  eventVersion: string;
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    /** `key` is URL-encoded, spaces as `+`; `size` and `eTag` are absent from removal events. */
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

export type S3BridgeErrorCode = 'S3_BRIDGE_SEND_FAILED' | 'S3_BRIDGE_UNREADABLE_EVENT';

/** An S3 event the bridge could not deliver; `cause` holds the underlying error. */
export class S3BridgeError extends Error {
  constructor(
    readonly code: S3BridgeErrorCode,
    message: string,
    readonly context: { bucket?: string; key?: string; queueLogicalId?: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'S3BridgeError';
  }
}

/** The wiring is one AWS would refuse, or one that can never fire. */
export class S3BridgeConfigError extends Error {
  readonly code = 'S3_BRIDGE_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'S3BridgeConfigError';
  }
}

/**
 * The notification rules an S3 event fires: same bucket, an event pattern that covers the event
 * name (`s3:ObjectCreated:*` covers `ObjectCreated:Put`), and a raw (not URL-encoded) key that
 * starts with the rule's prefix and ends with its suffix.
 *
 * @example
 * matchRules(topology.notifications, 'RawBucket', 'raw/api/2024-01-01/_manifest.json', 'ObjectCreated:Put');
 */
export function matchRules(
  rules: readonly NotificationRule[],
  bucketLogicalId: string,
  key: string,
  eventName: string,
): NotificationRule[] {
  const event = withoutS3Prefix(eventName);
  return rules.filter(
    (rule) =>
      rule.bucketLogicalId === bucketLogicalId &&
      eventMatches(withoutS3Prefix(rule.event), event) &&
      key.startsWith(rule.prefix ?? '') &&
      key.endsWith(rule.suffix ?? ''),
  );
}

/**
 * An object key as S3 writes it in event notifications: URL-encoded, spaces as `+`, slashes kept.
 * Consumers decode it with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');
}

/**
 * Routes s3rver's object events to the queues that serverless.yml's notification rules name, with
 * the message body S3 sends (`{ Records: [record] }`). s3rver emits the event before it answers
 * the put, so after `await put` a send is already in flight and `idle()` waits for it.
 *
 * @example
 * const bridge = bridgeS3Events({ s3rver: s3.s3rver, topology, queues, sqs, bucketNames: { RawBucket: 'shop-raw' } });
 * await s3Client.send(new PutObjectCommand({ Bucket: 'shop-raw', Key: 'raw/x/_manifest.json', Body: '{}' }));
 * await bridge.idle();
 */
export function bridgeS3Events(options: S3BridgeOptions): S3Bridge {
  const { s3rver, topology, queues, sqs, bucketNames, onError } = options;
  const region = options.region ?? 'us-east-1';
  const bucketLogicalIds = logicalIdsByBucketName(bucketNames);
  checkWiring(topology.notifications, queues, bucketNames);

  const inFlight = new Set<Promise<void>>();
  const unreported: S3BridgeError[] = [];
  const report = (error: S3BridgeError): void => {
    if (onError) onError(error);
    else unreported.push(error);
  };
  const send = (queue: LocalQueue, body: string, context: S3BridgeError['context']): void => {
    const sending = sqs
      .send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }))
      .then(
        () => undefined,
        (cause: unknown) =>
          report(
            new S3BridgeError(
              'S3_BRIDGE_SEND_FAILED',
              `could not send the S3 event to ${queue.spec.name}`,
              context,
              {
                cause,
              },
            ),
          ),
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  const nextSequencer = sequencer();
  const listener = (event: unknown): void => {
    const records = readRecords(event);
    if (!records) {
      report(new S3BridgeError('S3_BRIDGE_UNREADABLE_EVENT', 's3rver emitted an event without records', {}));
      return;
    }
    for (const record of records) {
      for (const bucketLogicalId of bucketLogicalIds.get(record.bucket) ?? []) {
        for (const rule of matchRules(
          topology.notifications,
          bucketLogicalId,
          record.key,
          record.eventName,
        )) {
          const queue = queues.get(rule.queueLogicalId);
          if (!queue) continue; // checkWiring made this unreachable
          const delivered = toNotificationRecord(record, rule, region, nextSequencer());
          send(queue, JSON.stringify({ Records: [delivered] }), {
            bucket: record.bucket,
            key: record.key,
            queueLogicalId: rule.queueLogicalId,
          });
        }
      }
    }
  };

  if (options.sendTestEvents) {
    for (const { bucketName, queue } of notifiedPairs(topology.notifications, queues, bucketNames)) {
      send(queue, JSON.stringify(testEvent(bucketName)), {
        bucket: bucketName,
        queueLogicalId: queue.spec.logicalId,
      });
    }
  }
  s3rver.on('event', listener);

  return {
    stop: () => {
      s3rver.off('event', listener);
    },
    idle: async () => {
      while (inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
      }
      const failures = unreported.splice(0);
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1)
        throw new AggregateError(failures, `${failures.length} S3 events were not delivered`);
    },
  };
}

/** The fields of an s3rver event record the bridge reads. */
interface ObservedRecord {
  eventName: string;
  eventTime: string;
  bucket: string;
  /** Raw key, not encoded. */
  key: string;
  size?: number;
  eTag?: string;
  principalId: string;
  sourceIPAddress: string;
  requestId: string;
  hostId: string;
  ownerPrincipalId: string;
}

function readRecords(event: unknown): ObservedRecord[] | undefined {
  const records = field(event, 'Records');
  if (!Array.isArray(records)) return undefined;
  const observed: ObservedRecord[] = [];
  for (const record of records) {
    const s3 = field(record, 's3');
    const bucket = text(field(field(s3, 'bucket'), 'name'));
    const object = field(s3, 'object');
    const key = text(field(object, 'key'));
    const eventName = text(field(record, 'eventName'));
    if (bucket === undefined || key === undefined || eventName === undefined) return undefined;
    const size = field(object, 'size');
    const responseElements = field(record, 'responseElements');
    observed.push({
      eventName,
      eventTime: text(field(record, 'eventTime')) ?? new Date().toISOString(),
      bucket,
      key,
      size: typeof size === 'number' ? size : undefined,
      eTag: text(field(object, 'eTag')),
      principalId: text(field(field(record, 'userIdentity'), 'principalId')) ?? 'AWS:S3RVER',
      sourceIPAddress: text(field(field(record, 'requestParameters'), 'sourceIPAddress')) ?? '127.0.0.1',
      requestId: text(field(responseElements, 'x-amz-request-id')) ?? randomHex(8),
      hostId: text(field(responseElements, 'x-amz-id-2')) ?? randomHex(32),
      ownerPrincipalId: text(field(field(field(s3, 'bucket'), 'ownerIdentity'), 'principalId')) ?? 'S3RVER',
    });
  }
  return observed;
}

/** s3rver's record, corrected where it differs from S3: bucket ARN, encoded key, configuration id, sequencer. */
function toNotificationRecord(
  record: ObservedRecord,
  rule: NotificationRule,
  region: string,
  sequencer: string,
): S3NotificationRecord {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: record.eventTime,
    eventName: record.eventName,
    userIdentity: { principalId: record.principalId },
    requestParameters: { sourceIPAddress: record.sourceIPAddress },
    responseElements: { 'x-amz-request-id': record.requestId, 'x-amz-id-2': record.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: `${rule.bucketLogicalId}-${rule.queueLogicalId}`,
      bucket: {
        name: record.bucket,
        ownerIdentity: { principalId: record.ownerPrincipalId },
        arn: `arn:aws:s3:::${record.bucket}`,
      },
      object: {
        key: encodeS3EventKey(record.key),
        ...(record.size !== undefined && { size: record.size }),
        ...(record.eTag !== undefined && { eTag: record.eTag }),
        sequencer,
      },
    },
  };
}

function testEvent(bucketName: string): Record<string, string> {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucketName,
    RequestId: randomHex(8).toUpperCase(),
    HostId: randomBytes(48).toString('base64'),
  };
}

function checkWiring(
  rules: readonly NotificationRule[],
  queues: ReadonlyMap<string, LocalQueue>,
  bucketNames: Record<string, string>,
): void {
  for (const rule of rules) {
    const queue = queues.get(rule.queueLogicalId);
    if (!queue) {
      throw new S3BridgeConfigError(
        `${rule.bucketLogicalId} notifies ${rule.queueLogicalId}, which was not created`,
      );
    }
    if (queue.spec.fifo) {
      throw new S3BridgeConfigError(`${rule.queueLogicalId} is FIFO: S3 cannot notify FIFO queues`);
    }
    if (bucketNames[rule.bucketLogicalId] === undefined) {
      throw new S3BridgeConfigError(
        `no bucket name given for ${rule.bucketLogicalId}, whose rule would never fire`,
      );
    }
  }
}

function notifiedPairs(
  rules: readonly NotificationRule[],
  queues: ReadonlyMap<string, LocalQueue>,
  bucketNames: Record<string, string>,
): Array<{ bucketName: string; queue: LocalQueue }> {
  const pairs = new Map<string, { bucketName: string; queue: LocalQueue }>();
  for (const rule of rules) {
    const bucketName = bucketNames[rule.bucketLogicalId];
    const queue = queues.get(rule.queueLogicalId);
    if (bucketName !== undefined && queue) pairs.set(`${bucketName}\n${queue.url}`, { bucketName, queue });
  }
  return [...pairs.values()];
}

function logicalIdsByBucketName(bucketNames: Record<string, string>): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [logicalId, name] of Object.entries(bucketNames)) {
    byName.set(name, [...(byName.get(name) ?? []), logicalId]);
  }
  return byName;
}

function withoutS3Prefix(eventName: string): string {
  return eventName.startsWith('s3:') ? eventName.slice(3) : eventName;
}

/** `ObjectCreated:*` covers every `ObjectCreated:` event; otherwise names must be equal. */
function eventMatches(pattern: string, eventName: string): boolean {
  return pattern.endsWith('*') ? eventName.startsWith(pattern.slice(0, -1)) : pattern === eventName;
}

/** Increasing hex sequencers (S3 orders events for one key by sequencer), unique within the bridge. */
function sequencer(): () => string {
  let last = 0;
  return () => {
    last = Math.max(Date.now() * 1000, last + 1);
    return last.toString(16).toUpperCase().padStart(18, '0');
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
