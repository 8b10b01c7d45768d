/** CloudWatch namespace of the pipeline's metrics. */
export const METRICS_NAMESPACE = 'ShopPipeline';

/** Keys every log line leads with (Powertools' own keys first, then the pipeline's context). */
export const LOG_RECORD_ORDER = [
  'level',
  'message',
  'timestamp',
  'service',
  'stage',
  'batchId',
  'source',
  'key',
] as const;

/** The metrics a stage records for each batch, with their CloudWatch unit. */
export const METRIC = {
  /** Ingest: API pages (raw files) fetched. */
  pagesFetched: { name: 'PagesFetched', unit: 'Count' },
  /** Records (ingest) or order lines (enrich, convert, load) a stage read. */
  rowsIn: { name: 'RowsIn', unit: 'Count' },
  /** Order lines that passed every rule (enrich) or were written/loaded as facts. */
  rowsClean: { name: 'RowsClean', unit: 'Count' },
  /** Order lines rejected with a reason (duplicates not included). */
  rowsRejected: { name: 'RowsRejected', unit: 'Count' },
  duplicates: { name: 'Duplicates', unit: 'Count' },
  filesWritten: { name: 'FilesWritten', unit: 'Count' },
  bytesWritten: { name: 'BytesWritten', unit: 'Bytes' },
  /** Load: from reading the curated manifest to the committed MERGE. */
  loadLatency: { name: 'LoadLatency', unit: 'Milliseconds' },
  /** Load: a batch already in OPS.LOAD_AUDIT, skipped. */
  batchesSkipped: { name: 'BatchesSkipped', unit: 'Count' },
  batchesFailed: { name: 'BatchesFailed', unit: 'Count' },
  /** Wall time of one batch in a stage. */
  batchDuration: { name: 'BatchDuration', unit: 'Milliseconds' },
} as const;

export type MetricKey = keyof typeof METRIC;
export type MetricName = (typeof METRIC)[MetricKey]['name'];
export type MetricUnitName = (typeof METRIC)[MetricKey]['unit'];
