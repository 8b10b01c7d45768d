/**
 * The pipeline's wiring as declared in serverless.yml, reduced to what the embedded stack needs
 * to reproduce it locally: queues (with DLQs), S3 -> SQS notification rules, and SQS event source
 * mappings. `readTopology()` in `topology.ts` builds it from serverless.yml so local and deployed
 * topology cannot drift.
 */
export interface QueueSpec {
  /** CloudFormation logical id, e.g. `EnrichQueue`. */
  logicalId: string;
  /** Local queue name: the logical id, with `.fifo` appended for FIFO queues. */
  name: string;
  fifo: boolean;
  contentBasedDeduplication: boolean;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds?: number;
  /** Redrive to a dead-letter queue, when the queue declares one. */
  deadLetter?: { queueLogicalId: string; maxReceiveCount: number };
}

export interface NotificationRule {
  /** Logical id of the queue the bucket notifies. */
  queueLogicalId: string;
  /** Logical id of the bucket resource that sends the notification. */
  bucketLogicalId: string;
  /** e.g. `s3:ObjectCreated:*` */
  event: string;
  prefix?: string;
  suffix?: string;
}

export interface EventSourceMapping {
  /** Function name as in serverless.yml `functions:` (ingest, enrich, convert, load). */
  functionName: string;
  queueLogicalId: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Lambda's `ScalingConfig.MaximumConcurrency`, when set. */
  maximumConcurrency?: number;
}

export interface Schedule {
  functionName: string;
  /** `rate(...)` or `cron(...)` as written in serverless.yml. */
  expression: string;
  /** Constant input or input-transformer template, as declared (undefined: the plain scheduled event). */
  input?: unknown;
}

export interface Topology {
  queues: QueueSpec[];
  notifications: NotificationRule[];
  eventSources: EventSourceMapping[];
  schedules: Schedule[];
}
