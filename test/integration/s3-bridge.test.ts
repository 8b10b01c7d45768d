import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type LocalQueues } from '../../local/queues';
import {
  bridgeS3Events,
  encodeS3EventKey,
  matchRules,
  type S3Bridge,
  S3BridgeConfigError,
  type S3NotificationRecord,
} from '../../local/s3-bridge';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { type SqsServer, sqsClientConfig, startSqsServer } from '../../local/sqs-server';
import type { NotificationRule, QueueSpec, Topology } from '../../local/topology-types';
import { MANIFEST_FILE, PREFIX } from '../../shared/constants';

const RAW_BUCKET = 'shop-raw';

const queue = (logicalId: string, fifo = false): QueueSpec => ({
  logicalId,
  name: fifo ? `${logicalId}.fifo` : logicalId,
  fifo,
  contentBasedDeduplication: false,
  visibilityTimeoutSeconds: 30,
});

const rules: NotificationRule[] = [
  {
    queueLogicalId: 'EnrichQueue',
    bucketLogicalId: 'DataBucket',
    event: 's3:ObjectCreated:*',
    prefix: PREFIX.raw,
    suffix: MANIFEST_FILE,
  },
  {
    queueLogicalId: 'ConvertQueue',
    bucketLogicalId: 'DataBucket',
    event: 's3:ObjectCreated:*',
    prefix: PREFIX.enriched,
    suffix: MANIFEST_FILE,
  },
  {
    queueLogicalId: 'IngestFilesQueue',
    bucketLogicalId: 'DataBucket',
    event: 's3:ObjectCreated:Put',
    prefix: 'landing/',
  },
];

describe('matchRules', () => {
  it.each([
    [
      'a raw manifest',
      ['EnrichQueue'],
      'DataBucket',
      'raw/api/2024-01-01/_manifest.json',
      'ObjectCreated:Put',
    ],
    [
      'an enriched manifest',
      ['ConvertQueue'],
      'DataBucket',
      'enriched/b1/_manifest.json',
      'ObjectCreated:Copy',
    ],
    [
      'an event name with its s3: prefix',
      ['EnrichQueue'],
      'DataBucket',
      'raw/x/_manifest.json',
      's3:ObjectCreated:Post',
    ],
    ['a raw data part', [], 'DataBucket', 'raw/api/2024-01-01/part-0.json', 'ObjectCreated:Put'],
    ['a manifest outside any prefix', [], 'DataBucket', 'curated/_manifest.json', 'ObjectCreated:Put'],
    ['a manifest in another bucket', [], 'OtherBucket', 'raw/x/_manifest.json', 'ObjectCreated:Put'],
    ['a removed manifest', [], 'DataBucket', 'raw/x/_manifest.json', 'ObjectRemoved:Delete'],
    ['a landing put', ['IngestFilesQueue'], 'DataBucket', 'landing/sales.jsonl', 'ObjectCreated:Put'],
    [
      'a landing copy, which the rule does not name',
      [],
      'DataBucket',
      'landing/sales.jsonl',
      'ObjectCreated:Copy',
    ],
  ])('routes %s to %j', (_label, expected, bucketLogicalId, key, eventName) => {
    // Act
    const matched = matchRules(rules, bucketLogicalId, key, eventName);

    // Assess
    expect(matched.map((rule) => rule.queueLogicalId)).toEqual(expected);
  });

  it('matches a rule without prefix or suffix to every key of its bucket', () => {
    // Prepare
    const everything: NotificationRule = {
      queueLogicalId: 'Q',
      bucketLogicalId: 'B',
      event: 's3:ObjectCreated:*',
    };

    // Act
    const matched = matchRules([everything], 'B', 'any/key.bin', 'ObjectCreated:Put');

    // Assess
    expect(matched).toEqual([everything]);
  });

  it('matches prefix and suffix against the raw key, not the encoded one', () => {
    // Prepare
    const spaced: NotificationRule = {
      queueLogicalId: 'Q',
      bucketLogicalId: 'B',
      event: 's3:ObjectCreated:*',
      prefix: 'my files/',
    };

    // Act
    const matched = matchRules([spaced], 'B', 'my files/a.csv', 'ObjectCreated:Put');

    // Assess
    expect(matched).toHaveLength(1);
  });
});

describe('encodeS3EventKey', () => {
  it.each([
    ['raw/api/2024-01-01/_manifest.json', 'raw/api/2024-01-01/_manifest.json'],
    ['landing/my sales.json', 'landing/my+sales.json'],
    ['curated/order_date=2024-01-01/a+b.parquet', 'curated/order_date%3D2024-01-01/a%2Bb.parquet'],
    ['landing/ventes-été.csv', 'landing/ventes-%C3%A9t%C3%A9.csv'],
  ])('encodes %s as %s, which decodes back', (key, encoded) => {
    // Act
    const actual = encodeS3EventKey(key);

    // Assess
    expect(actual).toBe(encoded);
    expect(decodeURIComponent(actual.replace(/\+/g, ' '))).toBe(key);
  });
});

describe('bridgeS3Events', () => {
  const topology: Topology = {
    queues: [queue('EnrichQueue'), queue('ConvertQueue'), queue('IngestFilesQueue')],
    notifications: rules,
    eventSources: [],
    schedules: [],
  };
  let directory: string;
  let s3Server: S3Server;
  let sqsServer: SqsServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let queues: LocalQueues;
  let bridge: S3Bridge;

  const urlOf = (logicalId: string): string => {
    const found = queues.get(logicalId);
    if (!found) throw new Error(`no queue ${logicalId}`);
    return found.url;
  };
  /** Receives and deletes the next message of a queue. */
  const receiveOne = async (logicalId: string, timeoutMs = 5000): Promise<Message> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: urlOf(logicalId), WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }),
      );
      const [message] = Messages;
      if (message) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: urlOf(logicalId), ReceiptHandle: message.ReceiptHandle }),
        );
        return message;
      }
    }
    throw new Error(`no message reached ${logicalId} within ${timeoutMs} ms`);
  };
  const pendingIn = async (logicalId: string): Promise<number> => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: urlOf(logicalId),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 's3-bridge-test-'));
    [s3Server, sqsServer] = await Promise.all([
      startS3Server({ directory, buckets: [RAW_BUCKET] }),
      startSqsServer(),
    ]);
    s3 = new S3Client(s3ClientConfig(s3Server.endpoint));
    sqs = new SQSClient(sqsClientConfig(sqsServer.endpoint));
    queues = await createQueues(sqs, topology);
    bridge = bridgeS3Events({
      s3rver: s3Server.s3rver,
      topology,
      queues,
      sqs,
      bucketNames: { DataBucket: RAW_BUCKET },
    });
  });

  afterAll(async () => {
    bridge.stop();
    s3.destroy();
    sqs.destroy();
    await Promise.all([s3Server.close(), sqsServer.close()]);
    await rm(directory, { recursive: true, force: true });
  });

  it('sends the S3 event of a raw manifest put to the enrich queue', async () => {
    // Prepare
    const key = `${PREFIX.raw}dummyjson/2024-01-01/run-1/${MANIFEST_FILE}`;
    const body = JSON.stringify({ batchId: 'run-1', files: [] });

    // Act
    const put = await s3.send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: key, Body: body }));
    await bridge.idle();
    const message = await receiveOne('EnrichQueue');

    // Assess
    const event = JSON.parse(message.Body ?? '{}') as { Records: S3NotificationRecord[] };
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      awsRegion: 'us-east-1',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: RAW_BUCKET, arn: `arn:aws:s3:::${RAW_BUCKET}` },
        object: { key, size: Buffer.byteLength(body), eTag: put.ETag?.replace(/"/g, '') },
      },
    });
    expect(record?.s3.object.sequencer).toMatch(/^[0-9A-F]+$/);
    expect(Date.parse(record?.eventTime ?? '')).not.toBeNaN();
  });

  it('sends the key URL-encoded, as S3 does', async () => {
    // Prepare
    const key = 'landing/my sales=2024.jsonl';

    // Act
    await s3.send(new PutObjectCommand({ Bucket: RAW_BUCKET, Key: key, Body: '{}\n' }));
    await bridge.idle();
    const message = await receiveOne('IngestFilesQueue');

    // Assess
    const event = JSON.parse(message.Body ?? '{}') as { Records: S3NotificationRecord[] };
    expect(event.Records[0]?.s3.object.key).toBe('landing/my+sales%3D2024.jsonl');
  });

  it('sends nothing for a put that matches no rule', async () => {
    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: RAW_BUCKET, Key: `${PREFIX.raw}x/part-0.json`, Body: '[]' }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: RAW_BUCKET, Key: `${PREFIX.curated}${MANIFEST_FILE}`, Body: '{}' }),
    );
    await bridge.idle();

    // Assess
    const pending = await Promise.all(['EnrichQueue', 'ConvertQueue', 'IngestFilesQueue'].map(pendingIn));
    expect(pending).toEqual([0, 0, 0]);
  });

  it('sends S3 test events when asked to', async () => {
    // Prepare
    const testTopology: Topology = { ...topology, notifications: [rules[1]!] };

    // Act
    const testBridge = bridgeS3Events({
      s3rver: s3Server.s3rver,
      topology: testTopology,
      queues,
      sqs,
      bucketNames: { DataBucket: RAW_BUCKET },
      sendTestEvents: true,
    });
    testBridge.stop();
    await testBridge.idle();
    const message = await receiveOne('ConvertQueue');

    // Assess
    expect(JSON.parse(message.Body ?? '{}')).toMatchObject({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Bucket: RAW_BUCKET,
    });
  });

  it('refuses a rule that notifies a FIFO queue, as S3 does', async () => {
    // Prepare
    const fifoTopology: Topology = {
      ...topology,
      queues: [queue('LoadQueue', true)],
      notifications: [
        { queueLogicalId: 'LoadQueue', bucketLogicalId: 'DataBucket', event: 's3:ObjectCreated:*' },
      ],
    };
    const fifoQueues = await createQueues(sqs, fifoTopology);

    // Act
    const bridging = () =>
      bridgeS3Events({
        s3rver: s3Server.s3rver,
        topology: fifoTopology,
        queues: fifoQueues,
        sqs,
        bucketNames: { DataBucket: RAW_BUCKET },
      });

    // Assess
    expect(bridging).toThrow(S3BridgeConfigError);
  });

  it('rejects idle() with a send that failed when no onError is given', async () => {
    // Prepare
    const brokenSqs = new SQSClient({ ...sqsClientConfig('http://127.0.0.1:9'), maxAttempts: 1 });
    const brokenBridge = bridgeS3Events({
      s3rver: s3Server.s3rver,
      topology,
      queues,
      sqs: brokenSqs,
      bucketNames: { DataBucket: RAW_BUCKET },
    });

    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: RAW_BUCKET, Key: `${PREFIX.enriched}b2/${MANIFEST_FILE}`, Body: '{}' }),
    );
    brokenBridge.stop();
    const idle = brokenBridge.idle();

    // Assess
    await expect(idle).rejects.toMatchObject({
      code: 'S3_BRIDGE_SEND_FAILED',
      context: { queueLogicalId: 'ConvertQueue' },
    });
    brokenSqs.destroy();
    await bridge.idle();
    await receiveOne('ConvertQueue');
  });
});
