import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultInjector } from '../../local/faults';
import { generateShop } from '../../local/generator';
import { startStack } from '../../local/stack';
import { createLogger } from '../../shared/logger';

/** What a run left in the warehouse, to compare against a clean run. */
export interface WarehouseTotals {
  orderLines: number;
  orders: number;
  revenue: string;
  cost: string;
  profit: string;
  customers: number;
  products: number;
  rejectsByReason: Record<string, number>;
  /** Audit rows by batch id: each must be 1. */
  auditRows: Record<string, number>;
}

export interface FaultRunResult {
  totals: WarehouseTotals;
  /** Messages left in dead-letter queues. */
  deadLetters: number;
  /** Those messages, by queue, to say what failed. */
  deadLetterBodies: { queue: string; bodies: string[] }[];
  /** Crashes that fired. */
  crashed: string[];
  /** Planned kills whose process exited on SIGKILL. */
  killed: string[];
  /** Late duplicates replayed after the run settled. */
  replayed: number;
}

/** The small shop every fault run ingests: two API runs (DummyJSON and FakeStore), two batches. */
export const FAULT_SHOP = { seed: 5, users: 8, products: 6, carts: 14 };
const SCHEDULE = new Date('2026-11-26T03:00:00Z');
/** Invocations of a scheduled ingest: EventBridge's async invoke retries twice after a failure. */
const SCHEDULE_ATTEMPTS = 3;

/**
 * Run both API sources through the embedded stack with the injector's faults, retrying the
 * scheduled ingest as EventBridge would; optionally replay every S3 event late, then report what
 * the warehouse holds.
 */
export async function runWithFaults(
  faults: FaultInjector | undefined,
  options: {
    replayS3Events?: boolean;
    env?: Record<string, string>;
    /** Called with the errors the event source mappings and the bridge reported. */
    onErrors?: (errors: Error[]) => void;
    /** `error` to see why a record failed (default silent). */
    logLevel?: 'silent' | 'error';
    /** Queues' visibility timeout: failed messages wait it out, as on AWS (default: back at once). */
    visibilityTimeoutSeconds?: number;
  } = {},
): Promise<FaultRunResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'faults-'));
  const stack = await startStack({
    dataDir,
    log: createLogger(options.logLevel ?? 'silent'),
    shop: generateShop(FAULT_SHOP),
    faults,
    env: { HTTP_TIMEOUT_MS: '500', ...options.env },
    ...(options.visibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
  });
  try {
    for (const source of ['dummyjson', 'fakestore']) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await stack.ingest(source, SCHEDULE);
          break;
        } catch (error) {
          // EventBridge retries a failed asynchronous invocation whatever the error.
          if (attempt >= SCHEDULE_ATTEMPTS) throw error;
        }
      }
    }
    await stack.settle();
    const replayed = options.replayS3Events && faults ? await faults.replayS3Events() : 0;
    if (replayed > 0) await stack.settle();
    const deadLetterBodies = await stack.deadLetters();
    const deadLetters = deadLetterBodies.reduce((n, q) => n + q.bodies.length, 0);
    const totals = await warehouseTotals(await stack.runtime.warehouse());
    if (options.onErrors) options.onErrors(stack.errors);
    return {
      totals,
      deadLetters,
      deadLetterBodies,
      crashed: faults ? [...faults.crashed] : [],
      killed: faults ? [...faults.killed] : [],
      replayed,
    };
  } finally {
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

type Queryable = { query(sql: string): Promise<Record<string, unknown>[]> };

/** Row counts and money (to the cent, as exact decimal text) of the analytics tables, rejects by reason, audit rows by batch. */
export async function warehouseTotals(warehouse: Queryable): Promise<WarehouseTotals> {
  const [fact] = await warehouse.query(
    `SELECT COUNT(*)::INTEGER AS n, COUNT(DISTINCT order_id)::INTEGER AS orders,
            COALESCE(SUM(revenue), 0)::VARCHAR AS revenue, COALESCE(SUM(cost), 0)::VARCHAR AS cost,
            COALESCE(SUM(profit), 0)::VARCHAR AS profit
     FROM ANALYTICS.FACT_ORDER_LINES`,
  );
  const [customers] = await warehouse.query('SELECT COUNT(*)::INTEGER AS n FROM ANALYTICS.DIM_CUSTOMER');
  const [products] = await warehouse.query('SELECT COUNT(*)::INTEGER AS n FROM ANALYTICS.DIM_PRODUCT');
  const rejects = await warehouse.query(
    'SELECT reason_code, COUNT(*)::INTEGER AS n FROM STAGING.ORDER_REJECTS GROUP BY reason_code ORDER BY reason_code',
  );
  const audit = await warehouse.query(
    'SELECT batch_id, COUNT(*)::INTEGER AS n FROM OPS.LOAD_AUDIT GROUP BY batch_id ORDER BY batch_id',
  );
  return {
    orderLines: Number(fact?.n),
    orders: Number(fact?.orders),
    revenue: String(fact?.revenue),
    cost: String(fact?.cost),
    profit: String(fact?.profit),
    customers: Number(customers?.n),
    products: Number(products?.n),
    rejectsByReason: Object.fromEntries(rejects.map((r) => [String(r.reason_code), Number(r.n)])),
    auditRows: Object.fromEntries(audit.map((r) => [String(r.batch_id), Number(r.n)])),
  };
}
