/**
 * Fault injection for the embedded stack: the failures real S3/SQS/Lambda deployments see, switched
 * on per test. A `FaultInjector` wraps what the stack hands the functions (object store, queue,
 * warehouse), the event source mappings' invocations and the S3 bridge's sends, and the fake API
 * takes its `api` faults. Every fault is deterministic: a crash fires the n-th time its write point
 * is reached, so a schedule replays exactly.
 */
import type { Readable } from 'node:stream';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { MessageQueue } from '../shared/adapters/message-queue';
import type { ObjectStore } from '../shared/adapters/object-store';
import type { LoadBatch, Warehouse } from '../shared/adapters/warehouse';
import type { Runtime } from '../shared/compose';
import { MANIFEST_FILE, PREFIX } from '../shared/constants';
import type { FakeApiFaults } from './fake-api';
import type { InvokeFunction } from './poller';

/**
 * Where a function can die. Data points fire after the put of a data file (`nth: K` = crashed
 * after K data files of that zone); manifest points fire before the manifest's put (the data files
 * are written, the commit marker is not); `load-message` before convert's send, `after-load-message`
 * after it; `mid-load` fails the load transaction after its first steps staged and merged (it rolls
 * back), `after-load` after the commit (the message is not deleted and comes again).
 */
export type WritePoint =
  | 'raw-data'
  | 'raw-manifest'
  | 'enriched-data'
  | 'enriched-manifest'
  | 'curated-data'
  | 'curated-manifest'
  | 'load-message'
  | 'after-load-message'
  | 'mid-load'
  | 'after-load';

export const WRITE_POINTS: readonly WritePoint[] = [
  'raw-data',
  'raw-manifest',
  'enriched-data',
  'enriched-manifest',
  'curated-data',
  'curated-manifest',
  'load-message',
  'after-load-message',
  'mid-load',
  'after-load',
];

export interface Crash {
  point: WritePoint;
  /** Crash the n-th time the point is reached (1-based; default 1). */
  nth?: number;
}

export interface FaultPlan {
  crashes?: readonly Crash[];
  /** Send every S3 event notification to its queue twice. */
  duplicateS3Events?: boolean;
  /** Invoke the function a second time with every SQS batch, after the first (at-least-once delivery). */
  duplicateInvocations?: boolean;
  /**
   * Invoke the second copy while the first still runs: the visibility timeout expired mid-run. `true`
   * for every function, or the names of the functions it applies to.
   */
  concurrentRedelivery?: boolean | readonly string[];
  /** Hand every batch's records to the function in reverse order. */
  reverseBatches?: boolean;
  /** Faults of the embedded shop API (429, 500, truncated bodies, stalls past the client's timeout). */
  api?: FakeApiFaults;
}

/** The error a planned crash throws (transient: the retry the real system makes succeeds). */
export class InjectedCrash extends Error {
  readonly code = 'INJECTED_CRASH';
  constructor(
    readonly point: WritePoint,
    readonly nth: number,
    detail: string,
  ) {
    super(`injected crash at ${point} #${nth} (${detail})`);
    this.name = 'InjectedCrash';
  }
}

/** The write point of a put to `key`, or undefined for keys no function writes (landing/). */
export function writePointOf(key: string): WritePoint | undefined {
  const manifest = key.endsWith(`/${MANIFEST_FILE}`);
  if (key.startsWith(PREFIX.raw)) return manifest ? 'raw-manifest' : 'raw-data';
  if (key.startsWith(PREFIX.enriched) || key.startsWith(PREFIX.rejects))
    return manifest ? 'enriched-manifest' : 'enriched-data';
  if (key.startsWith(`${PREFIX.curated}_manifests/`)) return 'curated-manifest';
  if (key.startsWith(PREFIX.curated)) return 'curated-data';
  return undefined;
}

/**
 * Injects the faults of one plan into one stack (`startStack({ faults })`).
 *
 * @example
 * const faults = new FaultInjector({ crashes: [{ point: 'enriched-manifest' }], duplicateS3Events: true });
 * const stack = await startStack({ dataDir, log, faults });
 */
export class FaultInjector {
  /** The crashes that fired, as `point#n`, in order. */
  readonly crashed: string[] = [];
  private readonly reached = new Map<WritePoint, number>();
  private readonly sentS3Events: { queueUrl: string; body: string }[] = [];
  private bridgeClient: SQSClient | undefined;

  constructor(readonly plan: FaultPlan = {}) {}

  /** Counts a pass through `point`; true when the plan crashes this one. */
  private crashesAt(point: WritePoint): number | undefined {
    const n = (this.reached.get(point) ?? 0) + 1;
    this.reached.set(point, n);
    const planned = this.plan.crashes?.some((c) => c.point === point && (c.nth ?? 1) === n);
    if (!planned) return undefined;
    this.crashed.push(`${point}#${n}`);
    return n;
  }

  private check(point: WritePoint | undefined, detail: string): void {
    if (!point) return;
    const n = this.crashesAt(point);
    if (n !== undefined) throw new InjectedCrash(point, n, detail);
  }

  /** The runtime the functions get: the same adapters, with the plan's crashes at their write points. */
  runtime(inner: Runtime): Runtime {
    const store = this.store(inner.store);
    const queue = this.queue(inner.queue);
    let warehouse: Promise<Warehouse> | undefined;
    return {
      ...inner,
      store,
      queue,
      warehouse: () => {
        warehouse ??= inner.warehouse().then((w) => this.warehouse(w));
        return warehouse;
      },
    };
  }

  private store(inner: ObjectStore): ObjectStore {
    const isManifestPoint = (point: WritePoint | undefined) =>
      point === 'raw-manifest' || point === 'enriched-manifest' || point === 'curated-manifest';
    const around = async (key: string, write: () => Promise<void>) => {
      const point = writePointOf(key);
      if (isManifestPoint(point)) this.check(point, key);
      await write();
      if (!isManifestPoint(point)) this.check(point, key);
    };
    return {
      get: (bucket, key) => inner.get(bucket, key),
      getStream: (bucket, key) => inner.getStream(bucket, key),
      head: (bucket, key) => inner.head(bucket, key),
      list: (bucket, prefix) => inner.list(bucket, prefix),
      put: (bucket, key, body, contentType) => around(key, () => inner.put(bucket, key, body, contentType)),
      putStream: (bucket, key, body: Readable, contentType) =>
        around(key, () => inner.putStream(bucket, key, body, contentType)),
    };
  }

  private queue(inner: MessageQueue): MessageQueue {
    return {
      send: async (queueUrl, body, fifo) => {
        this.check('load-message', queueUrl);
        await inner.send(queueUrl, body, fifo);
        this.check('after-load-message', queueUrl);
      },
    };
  }

  private warehouse(inner: Warehouse): Warehouse {
    return {
      migrate: (options) => inner.migrate(options),
      query: (sql, params) => inner.query(sql, params),
      close: () => inner.close(),
      loadBatch: async (batch: LoadBatch) => {
        const n = this.crashesAt('mid-load');
        if (n !== undefined) {
          // The last file claims one row more than it holds: the transaction fails at that step,
          // after the steps before it staged and merged, and rolls back.
          const files = batch.files.map((f, i) =>
            i === batch.files.length - 1 ? { ...f, rows: f.rows + 1 } : f,
          );
          await inner.loadBatch({ ...batch, files }).catch(() => undefined);
          throw new InjectedCrash('mid-load', n, batch.batchId);
        }
        const outcome = await inner.loadBatch(batch);
        this.check('after-load', batch.batchId);
        return outcome;
      },
    };
  }

  /** Wraps the event source mappings' invocations: duplicated, concurrent and reordered deliveries. */
  invoke(inner: InvokeFunction): InvokeFunction {
    const copy = (event: SQSEvent): SQSEvent => JSON.parse(JSON.stringify(event));
    return async (name, event) => {
      const delivered = this.plan.reverseBatches ? { Records: [...event.Records].reverse() } : event;
      const concurrent = this.plan.concurrentRedelivery;
      if (concurrent === true || (Array.isArray(concurrent) && concurrent.includes(name))) {
        const responses = await Promise.all([inner(name, delivered), inner(name, copy(delivered))]);
        return mergeResponses(responses);
      }
      const first = await inner(name, delivered);
      if (!this.plan.duplicateInvocations) return first;
      return mergeResponses([first, await inner(name, copy(delivered))]);
    };
  }

  /** The SQS client the S3 bridge sends with: every S3 event recorded (for `replayS3Events`), twice with `duplicateS3Events`. */
  bridgeSqs(sqs: SQSClient): SQSClient {
    this.bridgeClient = sqs;
    const send = async (command: unknown) => {
      if (!(command instanceof SendMessageCommand)) throw new Error('the S3 bridge only sends messages');
      const { QueueUrl, MessageBody } = command.input;
      this.sentS3Events.push({ queueUrl: QueueUrl ?? '', body: MessageBody ?? '' });
      const out = await sqs.send(command);
      if (this.plan.duplicateS3Events) await sqs.send(new SendMessageCommand(command.input));
      return out;
    };
    return { send } as unknown as SQSClient;
  }

  /**
   * Sends every S3 event delivered so far once more, newest first: late, out-of-order duplicates.
   * Returns how many were sent; `stack.settle()` then waits for their effect.
   */
  async replayS3Events(): Promise<number> {
    const client = this.bridgeClient;
    if (!client) return 0;
    const events = [...this.sentS3Events].reverse();
    for (const { queueUrl, body } of events) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    return events.length;
  }
}

/** Two deliveries' batch responses as one: a record failed if either delivery failed it. */
// biome-ignore lint/suspicious/noConfusingVoidType: the InvokeFunction's return type.
function mergeResponses(responses: readonly (SQSBatchResponse | void)[]): SQSBatchResponse {
  const ids = new Set<string>();
  for (const response of responses) {
    for (const failure of response?.batchItemFailures ?? []) ids.add(failure.itemIdentifier);
  }
  return { batchItemFailures: [...ids].map((itemIdentifier) => ({ itemIdentifier })) };
}
