import { z } from 'zod';
import { PREFIX } from '../constants';
import type { Entity } from './sources';

/**
 * The watermark of an incremental source (PostgreSQL): per entity, the latest `updated_at` a committed
 * run has read. The next run reads rows changed at or after it, less an overlap window, so a row whose
 * transaction committed late with an earlier `updated_at` is still read (the loader's MERGE makes the
 * rows read twice harmless). Timestamps are the database's own, as ISO-8601 UTC text with microseconds
 * (`2026-11-26T03:00:00.123456Z`): fixed width, so text order is time order, and never rounded
 * through a JavaScript Date.
 *
 * The state file is written after the run's raw manifest (the commit), and only ever moves forward: a
 * run that fails before its manifest leaves it as it was, and a crash between the two is finished by
 * the retry of the same run (same run id: its manifest is found, its watermark committed).
 */

/** ISO-8601 UTC with microseconds, as the extraction queries format timestamps. */
export const DB_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Entities of an incremental run, in the order they are read (dimensions first). */
export const WATERMARK_ENTITIES: readonly Entity[] = ['customers', 'products', 'orders'];

/** The latest `updated_at` read of each entity; null: none read yet (the next run reads everything). */
export type Watermarks = Record<Entity, string | null>;

export const NO_WATERMARKS: Watermarks = { customers: null, products: null, orders: null };

const stamp = z.string().regex(DB_TIMESTAMP).nullable();

export const watermarkStateSchema = z.object({
  source: z.string().min(1),
  watermarks: z.object({ customers: stamp, products: stamp, orders: stamp }),
  /** The run that committed it, and its raw manifest. */
  run_id: z.string().min(1),
  manifest_key: z.string().min(1),
  committed_at: z.string(),
});
export type WatermarkState = z.infer<typeof watermarkStateSchema>;

/** Where a source's watermark lives, e.g. `state/source=postgres/watermark.json`. */
export function watermarkKey(source: string): string {
  return `${PREFIX.state}source=${source}/watermark.json`;
}

/** The later of two database timestamps; null counts as "none". */
export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}

/** Each entity's later watermark of the two: a watermark never moves back. */
export function advanceWatermarks(current: Watermarks, seen: Watermarks): Watermarks {
  return {
    customers: laterOf(current.customers, seen.customers),
    products: laterOf(current.products, seen.products),
    orders: laterOf(current.orders, seen.orders),
  };
}

/** A timestamp read from the database, checked to be in the watermark's format. */
export function dbTimestamp(value: unknown, what: string): string {
  if (typeof value !== 'string' || !DB_TIMESTAMP.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not an ISO-8601 UTC timestamp with microseconds`);
  }
  return value;
}
