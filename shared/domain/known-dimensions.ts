import { z } from 'zod';
import { PREFIX } from '../constants';
import type { Customer, Product } from './types';

/**
 * Dimensions known from earlier batches of a source, so an order line can join a customer or
 * product that this batch does not carry (a sales file dropped after the customers file, a
 * FakeStore cart of a user fetched last hour).
 *
 * Each enrich batch writes a snapshot of everything it knows after the batch (the latest version
 * of every id) under `enriched/_dims/source=<s>/seq=<sequence>/`, and reads the snapshot of the
 * batch just before it. Batches are ordered by their sequence, `<ingested_at>_<batch id>`, fixed
 * by the raw manifest; a batch only ever reads a snapshot with a smaller sequence, never its own
 * or a later one, so replaying a batch reads what it read the first time and writes the same
 * output. The commit marker is `_dims.json`, not `_manifest.json`, so a snapshot never triggers
 * convert. Memory: one snapshot is the size of the dimension tables, whatever the order volume.
 *
 * Versions have an origin. A `record` version comes from the source's own customers or products
 * (API pages, dropped CSV); an `embedded` one from a self-describing event that carries its
 * customer and product. A record version, however old, wins over an embedded one: files enrich
 * events (names, addresses, cost), not the other way round.
 */
export type DimensionOrigin = 'record' | 'embedded';

export interface KnownVersion<T> {
  origin: DimensionOrigin;
  row: T;
}

export interface KnownDimensions {
  customers: ReadonlyMap<string, KnownVersion<Customer>>;
  products: ReadonlyMap<string, KnownVersion<Product>>;
}

export const NO_KNOWN_DIMENSIONS: KnownDimensions = { customers: new Map(), products: new Map() };

/** The commit marker of a snapshot folder. */
export const SNAPSHOT_MARKER = '_dims.json';

/** Folder holding every snapshot of a source. */
export function snapshotRoot(source: string): string {
  return `${PREFIX.enriched}_dims/source=${source}/`;
}

/**
 * Sequence of a batch: its ingestion time (compact, to the millisecond) then its id, so snapshots
 * sort by when their data was ingested, and ties break the same way on every replay.
 * @example snapshotSequence('2026-11-26T03:00:05.123Z', 'dummyjson-20261126T030000Z')
 *   // '20261126T030005123Z_dummyjson-20261126T030000Z'
 */
export function snapshotSequence(ingestedAt: string, batchId: string): string {
  const compact = new Date(ingestedAt).toISOString().replace(/[-:.]/g, '');
  return `${compact}_${batchId}`;
}

/** Folder of one batch's snapshot. */
export function snapshotPrefix(source: string, sequence: string): string {
  return `${snapshotRoot(source)}seq=${sequence}/`;
}

/** The marker key of the latest snapshot before `sequence`, among listed keys; undefined when none. */
export function previousSnapshotMarker(
  keys: readonly string[],
  source: string,
  sequence: string,
): string | undefined {
  const root = snapshotRoot(source);
  let best: { sequence: string; key: string } | undefined;
  for (const key of keys) {
    if (!key.startsWith(`${root}seq=`) || !key.endsWith(`/${SNAPSHOT_MARKER}`)) continue;
    const candidate = key.slice(root.length + 'seq='.length, key.length - SNAPSHOT_MARKER.length - 1);
    if (candidate.includes('/') || candidate >= sequence) continue;
    if (!best || candidate > best.sequence) best = { sequence: candidate, key };
  }
  return best?.key;
}

const listedFile = z.object({
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative(),
});

export const snapshotMarkerSchema = z.object({
  source: z.string().min(1),
  batch_id: z.string().min(1),
  sequence: z.string().min(1),
  /** Marker key of the snapshot this one was built on; null for the first batch of a source. */
  based_on: z.string().nullable(),
  customers: listedFile,
  products: listedFile,
});
export type SnapshotMarker = z.infer<typeof snapshotMarkerSchema>;

const versionLine = z.object({
  origin: z.enum(['record', 'embedded']),
  row: z.record(z.string(), z.unknown()),
});

/** One snapshot line back into a known version; throws when it is not one. */
export function parseKnownVersion<T>(
  line: unknown,
  idField: 'customer_id' | 'product_id',
): KnownVersion<T> & {
  id: string;
} {
  const parsed = versionLine.parse(line);
  const id = parsed.row[idField];
  if (typeof id !== 'string' || id === '') throw new Error(`snapshot line has no ${idField}`);
  return { origin: parsed.origin, row: parsed.row as T, id };
}
