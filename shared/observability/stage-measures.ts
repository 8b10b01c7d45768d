import type { LoadOutcome } from '../adapters/warehouse';
import { CURATED_TABLE } from '../constants';
import { batchIdForRun } from '../domain/layout';
import type { CuratedManifest, EnrichedManifest, RawManifest } from '../domain/manifest';
import type { BatchContext } from './batch-context';
import type { MetricValues } from './metrics';

/** The metrics of one batch, read from what its stage returned (a manifest or a load outcome). */
export interface Measured extends BatchContext {
  values: MetricValues;
}

const sum = (values: Iterable<number | undefined>) => {
  let total = 0;
  for (const value of values) total += value ?? 0;
  return total;
};

/** Ingest: pages fetched (one raw file each), records read, bytes written. */
export function measureIngest(manifest: RawManifest): Measured {
  return {
    batchId: batchIdForRun(manifest.source, manifest.run_id),
    source: manifest.source,
    values: {
      pagesFetched: manifest.files.length,
      rowsIn: sum(Object.values(manifest.totals)),
      filesWritten: manifest.files.length,
      bytesWritten: sum(manifest.files.map((f) => f.bytes)),
    },
  };
}

/** Ingest of dropped files: one notification may announce several files, each its own batch. */
export function measureIngestRuns(manifests: RawManifest[]): Measured {
  const each = manifests.map(measureIngest);
  if (each.length === 1) return each[0]!;
  const values: MetricValues = {};
  for (const { values: v } of each) {
    for (const [key, value] of Object.entries(v) as [keyof MetricValues, number][]) {
      values[key] = (values[key] ?? 0) + value;
    }
  }
  return { values };
}

/** Enrich: order lines in, clean, rejected and duplicate (rows_in = clean + rejected + duplicates). */
export function measureEnrich(manifest: EnrichedManifest): Measured {
  return {
    batchId: manifest.batch_id,
    source: manifest.source,
    values: {
      rowsIn: manifest.order_lines.rows_in,
      rowsClean: manifest.order_lines.clean,
      rowsRejected: manifest.order_lines.rejected,
      duplicates: manifest.order_lines.duplicates,
      filesWritten: manifest.files.length,
      bytesWritten: sum(manifest.files.map((f) => f.bytes)),
    },
  };
}

/** Convert: rows of every table in, order lines and rejects among them, Parquet files and bytes out. */
export function measureConvert(manifest: CuratedManifest): Measured {
  return {
    batchId: manifest.batch_id,
    values: {
      rowsIn: sum(Object.values(manifest.rows)),
      rowsClean: manifest.rows[CURATED_TABLE.orderLines] ?? 0,
      rowsRejected: manifest.rows[CURATED_TABLE.rejects] ?? 0,
      filesWritten: manifest.files.length,
      bytesWritten: sum(manifest.files.map((f) => f.bytes)),
    },
  };
}

/** Load: rows staged (order lines among them), latency, and whether the batch was already loaded. */
export function measureLoad(outcome: LoadOutcome, durationMs: number): Measured {
  return {
    values: {
      rowsIn: sum(Object.values(outcome.rows)),
      rowsClean: outcome.rows[CURATED_TABLE.orderLines] ?? 0,
      loadLatency: durationMs,
      batchesSkipped: outcome.status === 'skipped' ? 1 : 0,
    },
  };
}
