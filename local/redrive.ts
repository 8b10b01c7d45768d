import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsClientConfig } from './sqs-server';
import { readTopology } from './topology';
import type { Topology } from './topology-types';

/**
 * `npm run redrive -- <QueueLogicalId> [--endpoint URL]`: move the messages of a queue's
 * dead-letter queue back to the queue (after the cause is fixed), on the local SQS of `npm run dev`
 * (default endpoint http://127.0.0.1:9324). The logical id is the source queue's (`EnrichQueue`) or
 * its DLQ's (`EnrichDLQ`), as in serverless.yml. fauxqs has no StartMessageMoveTask, so messages
 * are received, sent and deleted one batch at a time; on AWS, use the console's "Start DLQ redrive"
 * or `aws sqs start-message-move-task --source-arn <dlq arn>`.
 */
const USAGE = 'usage: npm run redrive -- <QueueLogicalId> [--endpoint http://127.0.0.1:9324]';

/** The queue a dead-letter queue redrives to, and the DLQ, by logical id (either one may be named). */
export function redrivePair(topology: Topology, logicalId: string): { source: string; deadLetter: string } {
  const asSource = topology.queues.find((q) => q.logicalId === logicalId && q.deadLetter);
  if (asSource?.deadLetter)
    return { source: asSource.logicalId, deadLetter: asSource.deadLetter.queueLogicalId };
  const asDlq = topology.queues.find((q) => q.deadLetter?.queueLogicalId === logicalId);
  if (asDlq) return { source: asDlq.logicalId, deadLetter: logicalId };
  const known = topology.queues.filter((q) => q.deadLetter).map((q) => q.logicalId);
  throw new Error(
    `${logicalId} is neither a queue with a dead-letter queue nor a DLQ (queues: ${known.join(', ')})`,
  );
}

/**
 * Move every message of `from` to `to`: each is sent (FIFO: same group, deduplication id = its
 * message id) before it is deleted, so a crash half-way duplicates at worst, never loses; the
 * pipeline is idempotent to duplicates. Redriving an empty DLQ moves nothing. Returns how many moved.
 *
 * @example await redriveMessages(sqs, { from: dlqUrl, to: queueUrl, fifo: false });
 */
export async function redriveMessages(
  sqs: SQSClient,
  queues: { from: string; to: string; fifo: boolean },
): Promise<number> {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.from,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return moved;
    for (const message of Messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.to,
          MessageBody: message.Body ?? '',
          MessageAttributes: message.MessageAttributes,
          ...(queues.fifo && {
            MessageGroupId: message.Attributes?.MessageGroupId,
            MessageDeduplicationId: message.Attributes?.MessageDeduplicationId ?? message.MessageId,
          }),
        }),
      );
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queues.from,
        Entries: Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    moved += Messages.length;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { endpoint: { type: 'string', default: 'http://127.0.0.1:9324' } },
  });
  const [logicalId] = positionals;
  if (!logicalId) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const topology = readTopology(resolve(import.meta.dirname, '../serverless.yml'));
  const pair = redrivePair(topology, logicalId);
  const spec = (id: string) => topology.queues.find((q) => q.logicalId === id)!;
  const sqs = new SQSClient(sqsClientConfig(values.endpoint));
  try {
    const url = async (id: string) =>
      (await sqs.send(new GetQueueUrlCommand({ QueueName: spec(id).name }))).QueueUrl ?? '';
    const moved = await redriveMessages(sqs, {
      from: await url(pair.deadLetter),
      to: await url(pair.source),
      fifo: spec(pair.source).fifo,
    });
    process.stdout.write(`redrove ${moved} message(s) from ${pair.deadLetter} to ${pair.source}\n`);
    return 0;
  } finally {
    sqs.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`redrive failed: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
