import { z } from 'zod';

/**
 * Manifests: every stage writes its data files first and its manifest last. A manifest is the
 * commit marker and the contract between two stages; downstream reads nothing without one.
 */

const fileEntry = z.object({
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const rawManifestSchema = z.object({
  stage: z.literal('ingest'),
  source: z.string().min(1),
  run_id: z.string().min(1),
  ingest_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  scheduled_time: z.string(),
  ingested_at: z.string(),
  files: z.array(
    fileEntry.extend({ entity: z.string(), records: z.number().int().nonnegative(), url: z.string() }),
  ),
  totals: z.record(z.string(), z.number().int().nonnegative()),
  /**
   * Incremental sources (PostgreSQL): what the run read, by entity: rows changed since `from` (the
   * previous watermark less the overlap; null: everything), and the watermark it commits (`to`).
   */
  watermark: z
    .object({
      overlap_seconds: z.number().int().nonnegative(),
      from: z.record(z.string(), z.string().nullable()),
      to: z.record(z.string(), z.string().nullable()),
    })
    .optional(),
});
export type RawManifest = z.infer<typeof rawManifestSchema>;

const conservation = z.object({
  rows_in: z.number().int().nonnegative(),
  clean: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});

export const enrichedManifestSchema = z.object({
  stage: z.literal('enrich'),
  source: z.string(),
  batch_id: z.string().min(1),
  upstream_manifest: z.string(),
  ingest_date: z.string(),
  ingested_at: z.string(),
  files: z.array(
    fileEntry.extend({
      table: z.enum(['order_lines', 'customers', 'products', 'order_rejects', 'orders']),
      rows: z.number().int().nonnegative(),
    }),
  ),
  order_lines: conservation,
  rejects_by_reason: z.record(z.string(), z.number().int().nonnegative()),
  /** The known-dimensions snapshots this batch read (null: none before it) and wrote (marker keys). */
  dims_snapshot: z.object({ read: z.string().nullable(), written: z.string() }).optional(),
});
export type EnrichedManifest = z.infer<typeof enrichedManifestSchema>;

export const curatedManifestSchema = z.object({
  stage: z.literal('convert'),
  batch_id: z.string().min(1),
  upstream_manifest: z.string(),
  files: z.array(
    fileEntry.extend({
      table: z.enum(['order_lines', 'customers', 'products', 'order_rejects', 'orders']),
      rows: z.number().int().nonnegative(),
      order_date: z.string().optional(),
    }),
  ),
  rows: z.record(z.string(), z.number().int().nonnegative()),
});
export type CuratedManifest = z.infer<typeof curatedManifestSchema>;

/** The message convert sends to the FIFO load queue. */
export const loadMessageSchema = z.object({
  batchId: z.string().min(1),
  bucket: z.string().min(1),
  manifestKey: z.string().min(1),
});
export type LoadMessage = z.infer<typeof loadMessageSchema>;
