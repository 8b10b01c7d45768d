import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueSpec, Topology } from './topology-types';

/** A queue created on the local SQS server, by the logical id it has in serverless.yml. */
export interface LocalQueue {
  /** The URL the server returned; use it verbatim. */
  url: string;
  arn: string;
  spec: QueueSpec;
}

/** Queues by CloudFormation logical id. */
export type LocalQueues = Map<string, LocalQueue>;

/** The topology's queues cannot be created as declared (AWS would refuse the same template). */
export class QueueTopologyError extends Error {
  readonly code = 'QUEUE_TOPOLOGY_INVALID';
  constructor(
    message: string,
    readonly queueLogicalId: string,
  ) {
    super(message);
    this.name = 'QueueTopologyError';
  }
}

/**
 * Creates the topology's queues on the local SQS server: each dead-letter queue before the queues
 * that redrive to it, then every queue with its FIFO, deduplication, visibility, retention and
 * redrive attributes exactly as declared. Idempotent against a server that already has them.
 *
 * @example
 * const queues = await createQueues(sqs, topology);
 * const enrich = queues.get('EnrichQueue'); // { url, arn, spec }
 */
export async function createQueues(sqs: SQSClient, topology: Topology): Promise<LocalQueues> {
  const specs = new Map(topology.queues.map((spec) => [spec.logicalId, spec]));
  const created: LocalQueues = new Map();
  const creating = new Set<string>();

  const create = async (spec: QueueSpec): Promise<LocalQueue> => {
    const done = created.get(spec.logicalId);
    if (done) return done;
    if (creating.has(spec.logicalId)) {
      throw new QueueTopologyError(`dead-letter queues of ${spec.logicalId} form a cycle`, spec.logicalId);
    }
    creating.add(spec.logicalId);
    let redrivePolicy: string | undefined;
    if (spec.deadLetter) {
      const dlqSpec = specs.get(spec.deadLetter.queueLogicalId);
      if (!dlqSpec) {
        throw new QueueTopologyError(
          `${spec.logicalId} redrives to ${spec.deadLetter.queueLogicalId}, which the topology does not declare`,
          spec.logicalId,
        );
      }
      if (dlqSpec.fifo !== spec.fifo) {
        throw new QueueTopologyError(
          `${spec.logicalId} and its dead-letter queue ${dlqSpec.logicalId} must both be FIFO or both standard`,
          spec.logicalId,
        );
      }
      const dlq = await create(dlqSpec);
      redrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.deadLetter.maxReceiveCount,
      });
    }
    const queue = await createOne(sqs, spec, redrivePolicy);
    created.set(spec.logicalId, queue);
    creating.delete(spec.logicalId);
    return queue;
  };

  for (const spec of topology.queues) {
    await create(spec);
  }
  return created;
}

async function createOne(
  sqs: SQSClient,
  spec: QueueSpec,
  redrivePolicy: string | undefined,
): Promise<LocalQueue> {
  if (spec.fifo !== spec.name.endsWith('.fifo')) {
    throw new QueueTopologyError(
      `queue name ${spec.name} must end in .fifo exactly when the queue is FIFO`,
      spec.logicalId,
    );
  }
  const attributes: Record<string, string> = {
    VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
  };
  if (spec.messageRetentionSeconds !== undefined) {
    attributes.MessageRetentionPeriod = String(spec.messageRetentionSeconds);
  }
  if (spec.fifo) {
    attributes.FifoQueue = 'true';
    attributes.ContentBasedDeduplication = String(spec.contentBasedDeduplication);
  }
  if (redrivePolicy !== undefined) {
    attributes.RedrivePolicy = redrivePolicy;
  }

  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({ QueueName: spec.name, Attributes: attributes }),
  );
  if (!url) {
    throw new QueueTopologyError(`the SQS server returned no URL for ${spec.name}`, spec.logicalId);
  }
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) {
    throw new QueueTopologyError(`the SQS server returned no ARN for ${spec.name}`, spec.logicalId);
  }
  return { url, arn, spec };
}
