import { networkInterfaces } from 'node:os';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type LocalQueues, QueueTopologyError } from '../../local/queues';
import { type SqsServer, sqsClientConfig, startSqsServer } from '../../local/sqs-server';
import type { Topology } from '../../local/topology-types';

const topology: Topology = {
  // Queues before their dead-letter queues, to check that the DLQs are created first anyway.
  queues: [
    {
      logicalId: 'EnrichQueue',
      name: 'EnrichQueue',
      fifo: false,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: 1800,
      messageRetentionSeconds: 1_209_600,
      deadLetter: { queueLogicalId: 'EnrichDeadLetterQueue', maxReceiveCount: 3 },
    },
    {
      logicalId: 'LoadQueue',
      name: 'LoadQueue.fifo',
      fifo: true,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: 900,
      deadLetter: { queueLogicalId: 'LoadDeadLetterQueue', maxReceiveCount: 3 },
    },
    {
      logicalId: 'EnrichDeadLetterQueue',
      name: 'EnrichDeadLetterQueue',
      fifo: false,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: 30,
    },
    {
      logicalId: 'LoadDeadLetterQueue',
      name: 'LoadDeadLetterQueue.fifo',
      fifo: true,
      contentBasedDeduplication: true,
      visibilityTimeoutSeconds: 30,
    },
  ],
  notifications: [],
  eventSources: [],
  schedules: [],
};

describe('createQueues', () => {
  let server: SqsServer;
  let sqs: SQSClient;
  let queues: LocalQueues;

  const attributesOf = async (logicalId: string): Promise<Record<string, string>> => {
    const queue = queues.get(logicalId);
    if (!queue) throw new Error(`no queue ${logicalId}`);
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
    );
    return Attributes;
  };

  beforeAll(async () => {
    server = await startSqsServer();
    sqs = new SQSClient(sqsClientConfig(server.endpoint));
    queues = await createQueues(sqs, topology);
  });

  afterAll(async () => {
    sqs.destroy();
    await server.close();
  });

  it('creates every queue of the topology under its logical id', () => {
    // Assess
    expect([...queues.keys()].sort()).toEqual([
      'EnrichDeadLetterQueue',
      'EnrichQueue',
      'LoadDeadLetterQueue',
      'LoadQueue',
    ]);
    expect(queues.get('LoadQueue')?.arn).toMatch(/^arn:aws:sqs:us-east-1:\d{12}:LoadQueue\.fifo$/);
    expect(queues.get('LoadQueue')?.spec).toBe(topology.queues[1]);
  });

  it('gives a standard queue its visibility timeout, retention and redrive policy', async () => {
    // Act
    const attributes = await attributesOf('EnrichQueue');

    // Assess
    expect(attributes.VisibilityTimeout).toBe('1800');
    expect(attributes.MessageRetentionPeriod).toBe('1209600');
    expect(attributes.FifoQueue).toBeUndefined();
    expect(JSON.parse(attributes.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.get('EnrichDeadLetterQueue')?.arn,
      maxReceiveCount: 3,
    });
  });

  it('gives a FIFO queue its FIFO attributes and a FIFO dead-letter queue', async () => {
    // Act
    const load = await attributesOf('LoadQueue');
    const loadDlq = await attributesOf('LoadDeadLetterQueue');

    // Assess
    expect(load).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      VisibilityTimeout: '900',
    });
    expect(JSON.parse(load.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.get('LoadDeadLetterQueue')?.arn,
      maxReceiveCount: 3,
    });
    expect(loadDlq).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      VisibilityTimeout: '30',
    });
    expect(loadDlq.RedrivePolicy).toBeUndefined();
  });

  it('returns the same queues when run again', async () => {
    // Act
    const again = await createQueues(sqs, topology);

    // Assess
    expect([...again.values()].map((queue) => queue.url)).toEqual(
      [...again.keys()].map((logicalId) => queues.get(logicalId)?.url),
    );
  });

  it('refuses a queue whose dead-letter queue is not declared', async () => {
    // Prepare
    const broken: Topology = {
      ...topology,
      queues: [{ ...topology.queues[0]!, deadLetter: { queueLogicalId: 'Missing', maxReceiveCount: 3 } }],
    };

    // Act
    const creating = createQueues(sqs, broken);

    // Assess
    await expect(creating).rejects.toBeInstanceOf(QueueTopologyError);
  });

  it('refuses a FIFO queue that redrives to a standard queue', async () => {
    // Prepare
    const broken: Topology = {
      ...topology,
      queues: [
        {
          ...topology.queues[1]!,
          deadLetter: { queueLogicalId: 'EnrichDeadLetterQueue', maxReceiveCount: 3 },
        },
        topology.queues[2]!,
      ],
    };

    // Act
    const creating = createQueues(sqs, broken);

    // Assess
    await expect(creating).rejects.toThrow(/both be FIFO or both standard/);
  });
});

describe('the local SQS server', () => {
  const externalAddress = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

  it('listens on a free loopback port', async () => {
    // Prepare
    const server = await startSqsServer();

    // Act
    const health = await fetch(`${server.endpoint}/health`);
    await server.close();

    // Assess
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.endpoint).not.toMatch(/:0$/);
    expect(health.status).toBe(200);
  });

  it.skipIf(externalAddress === undefined)('refuses connections on the machine network address', async () => {
    // Prepare
    const server = await startSqsServer();
    const port = new URL(server.endpoint).port;

    // Act
    const reaching = fetch(`http://${externalAddress}:${port}/health`, { signal: AbortSignal.timeout(5000) });

    // Assess
    await expect(reaching).rejects.toThrow();
    await server.close();
  });
});
