/**
 * Fault injection for the embedded stack: the failures real S3/SQS/Lambda deployments see, switched
 * on per test. A `FaultInjector` wraps what the stack hands the functions (object store, queue,
 * warehouse), the event source mappings' invocations and the S3 bridge's sends, and the fake API
 * takes its `api` faults. Every fault is deterministic: a crash fires the n-th time its write point
 * is reached, so a schedule replays exactly. A crash throws, or with `kill` ends the process running
 * the function with SIGKILL (the function then runs in a child process: `function-process.ts`).
 */
import type { Readable } from 'node:stream';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ObjectStore } from '../shared/adapters/object-store';
import type { LoadBatch, Warehouse } from '../shared/adapters/warehouse';
import type { Runtime } from '../shared/compose';
import { MANIFEST_FILE, PREFIX } from '../shared/constants';
import { AUDIT_INSERT, auditBinds } from '../shared/domain/load-statements';
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
  /**
   * Die instead of throwing: the function runs in a child process (`local/function-process.ts`)
   * until this crash fires, and that process gets SIGKILL at the point. No finally block, no
   * rollback, no error response: the invocation just ends, as when Lambda's runtime is killed.
   */
  kill?: boolean;
}

/** The function that reaches each write point. */
export const FUNCTION_OF_POINT: Readonly<Record<WritePoint, string>> = {
  'raw-data': 'ingest',
  'raw-manifest': 'ingest',
  'enriched-data': 'enrich',
  'enriched-manifest': 'enrich',
  'curated-data': 'convert',
  'curated-manifest': 'convert',
  'load-message': 'convert',
  'after-load-message': 'convert',
  'mid-load': 'load',
  'after-load': 'load',
};

/** What a function does at a write point: go on, throw an InjectedCrash, or die (its process killed). */
export type FaultDecision = { act: 'go' } | { act: 'throw' | 'kill'; n: number };

/**
 * Where a faulted runtime asks what to do at each write point: the injector itself for functions
 * in process, the parent's injector over IPC for a function in a child process.
 */
export interface FaultGate {
  decide(point: WritePoint): Promise<FaultDecision>;
  /** Called once the process is where it should die; never resolves (the process is killed). */
  die(point: WritePoint, n: number): Promise<never>;
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
  /** The planned kills whose process did exit on SIGKILL, as `point#n`. */
  readonly killed: string[] = [];
  private readonly reached = new Map<WritePoint, number>();
  private readonly sentS3Events: { queueUrl: string; body: string }[] = [];
  private bridgeClient: SQSClient | undefined;

  constructor(readonly plan: FaultPlan = {}) {}

  /**
   * Counts a pass through `point` and says what the plan does there. Passes are counted here for
   * every process, so `nth` means the same whether the function runs in process or in a child.
   */
  decide(point: WritePoint): FaultDecision {
    const n = (this.reached.get(point) ?? 0) + 1;
    this.reached.set(point, n);
    const planned = this.plan.crashes?.find((c) => c.point === point && (c.nth ?? 1) === n);
    if (!planned) return { act: 'go' };
    this.crashed.push(`${point}#${n}`);
    return { act: planned.kill ? 'kill' : 'throw', n };
  }

  /**
   * True while a planned kill of this function has not fired: its invocations must run in a child
   * process, which can die without taking the stack with it.
   */
  needsProcess(functionName: string): boolean {
    return (this.plan.crashes ?? []).some(
      (c) =>
        c.kill &&
        FUNCTION_OF_POINT[c.point] === functionName &&
        !this.crashed.includes(`${c.point}#${c.nth ?? 1}`),
    );
  }

  /** The runtime the functions get in process: the same adapters, with the plan's crashes at their write points. */
  runtime(inner: Runtime): Runtime {
    return faultedRuntime(inner, {
      decide: async (point) => this.decide(point),
      die: async (point, n) => {
        throw new Error(`${point}#${n}: a kill was planned, but the function runs in the stack's process`);
      },
    });
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

/**
 * A runtime whose store, queue and warehouse ask `gate` at every write point: the in-process
 * injector, or a child process's line to its parent's injector.
 */
export function faultedRuntime(inner: Runtime, gate: FaultGate): Runtime {
  const stop = async (point: WritePoint | undefined, detail: string): Promise<void> => {
    if (!point) return;
    const decision = await gate.decide(point);
    if (decision.act === 'throw') throw new InjectedCrash(point, decision.n, detail);
    if (decision.act === 'kill') await gate.die(point, decision.n);
  };
  let warehouse: Promise<Warehouse> | undefined;
  return {
    ...inner,
    store: faultedStore(inner.store, stop),
    queue: {
      send: async (queueUrl, body, fifo) => {
        await stop('load-message', queueUrl);
        await inner.queue.send(queueUrl, body, fifo);
        await stop('after-load-message', queueUrl);
      },
    },
    warehouse: () => {
      warehouse ??= inner.warehouse().then((w) => faultedWarehouse(w, gate, stop));
      return warehouse;
    },
  };
}

type Stop = (point: WritePoint | undefined, detail: string) => Promise<void>;

function faultedStore(inner: ObjectStore, stop: Stop): ObjectStore {
  const isManifestPoint = (point: WritePoint | undefined) =>
    point === 'raw-manifest' || point === 'enriched-manifest' || point === 'curated-manifest';
  const around = async <T>(key: string, write: () => Promise<T>): Promise<T> => {
    const point = writePointOf(key);
    if (isManifestPoint(point)) await stop(point, key);
    const written = await write();
    if (!isManifestPoint(point)) await stop(point, key);
    return written;
  };
  return {
    get: (bucket, key) => inner.get(bucket, key),
    getStream: (bucket, key) => inner.getStream(bucket, key),
    getRange: (bucket, key, start, end) => inner.getRange(bucket, key, start, end),
    head: (bucket, key) => inner.head(bucket, key),
    list: (bucket, prefix) => inner.list(bucket, prefix),
    put: (bucket, key, body, contentType) => around(key, () => inner.put(bucket, key, body, contentType)),
    putStream: (bucket, key, body: Readable, contentType) =>
      around(key, () => inner.putStream(bucket, key, body, contentType)),
  };
}

function faultedWarehouse(inner: Warehouse, gate: FaultGate, stop: Stop): Warehouse {
  return {
    migrate: (options) => inner.migrate(options),
    query: (sql, params) => inner.query(sql, params),
    close: () => inner.close(),
    loadBatch: async (batch: LoadBatch) => {
      const decision = await gate.decide('mid-load');
      if (decision.act === 'throw') {
        // The last file claims one row more than it holds: the transaction fails at that step,
        // after the steps before it staged and merged, and rolls back.
        const files = batch.files.map((f, i) =>
          i === batch.files.length - 1 ? { ...f, rows: f.rows + 1 } : f,
        );
        await inner.loadBatch({ ...batch, files }).catch(() => undefined);
        throw new InjectedCrash('mid-load', decision.n, batch.batchId);
      }
      if (decision.act === 'kill') {
        // The worst moment to die: a transaction open on the warehouse holding the batch's audit row
        // (which would make every retry skip the batch) and no fact rows. Only a commit makes it real.
        await inner.query('BEGIN TRANSACTION');
        await inner.query(AUDIT_INSERT, auditBinds(batch, 'loader', {}));
        await inner.query('DELETE FROM ANALYTICS.FACT_ORDER_LINES');
        await gate.die('mid-load', decision.n);
      }
      const outcome = await inner.loadBatch(batch);
      await stop('after-load', batch.batchId);
      return outcome;
    },
  };
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
