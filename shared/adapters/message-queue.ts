import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Sends a message to a queue; FIFO queues need a group and a deduplication id. */
export interface MessageQueue {
  send(queueUrl: string, body: unknown, fifo?: { groupId: string; deduplicationId: string }): Promise<void>;
}

/** The MessageQueue on Amazon SQS (or a local SQS-compatible server). */
export class SqsMessageQueue implements MessageQueue {
  constructor(private readonly sqs: SQSClient) {}

  async send(
    queueUrl: string,
    body: unknown,
    fifo?: { groupId: string; deduplicationId: string },
  ): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(body),
        MessageGroupId: fifo?.groupId,
        MessageDeduplicationId: fifo?.deduplicationId,
      }),
    );
  }
}
