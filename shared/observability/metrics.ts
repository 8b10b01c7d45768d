import type { Stage } from '../constants';
import type { MetricKey } from './constants';

/** Values of the metrics one batch produced, by metric key (see `METRIC`). */
export type MetricValues = Partial<Record<MetricKey, number>>;

/** What one stage did with one batch, and when. */
export interface BatchMeasurement {
  stage: Stage;
  /** The batch id, the same in all four stages (undefined when the event named no batch). */
  batchId: string | undefined;
  source?: string;
  /** The object the batch came from (a manifest key). */
  key?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  /** True when the stage failed on this batch (it will be retried). */
  failed?: boolean;
  values: MetricValues;
}

/**
 * The metrics port: stages' handlers record what each batch did; the backend decides where it goes
 * (EMF on AWS through Powertools Metrics, memory locally and in tests). Domain code never sees it.
 */
export interface Metrics {
  record(measurement: BatchMeasurement): void;
  /** Publish what is buffered; the `publishMetrics` middleware calls it when an invocation ends. */
  flush(): void;
}

/** Metrics that go nowhere (the default of `compose`). */
export const noMetrics: Metrics = { record: () => {}, flush: () => {} };

/** Metrics kept in memory: the local run's progress and report read them, tests assert them. */
export interface MemoryMetrics extends Metrics {
  readonly measurements: readonly BatchMeasurement[];
  /** How many times `flush` was called. */
  readonly flushes: number;
  /** Call `listener` with every measurement recorded from now on; returns the unsubscribe function. */
  subscribe(listener: (measurement: BatchMeasurement) => void): () => void;
}

/**
 * In-memory metrics.
 * @example const metrics = createMemoryMetrics(); metrics.subscribe((m) => bar.update(m.values.rowsIn ?? 0));
 */
export function createMemoryMetrics(): MemoryMetrics {
  const measurements: BatchMeasurement[] = [];
  const listeners = new Set<(measurement: BatchMeasurement) => void>();
  let flushes = 0;
  return {
    measurements,
    get flushes() {
      return flushes;
    },
    record(measurement) {
      measurements.push(measurement);
      for (const listener of listeners) listener(measurement);
    },
    flush() {
      flushes += 1;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
