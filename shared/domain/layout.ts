import { CURATED_TABLE, type CuratedTable, MANIFEST_FILE, PREFIX } from '../constants';

/**
 * Where every stage writes: one function a zone, so keys are built in one place. Keys are
 * deterministic in the run/batch id, so a retried stage overwrites its own output.
 */

/** Run id of a scheduled run: the schedule time in compact UTC, e.g. `20261126T030000Z`. */
export function runIdFromTime(time: Date): string {
  return time
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** YYYY-MM-DD of an instant, in UTC. */
export function utcDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Folder of one API run in the raw zone. */
export function rawRunPrefix(source: string, ingestDate: string, runId: string): string {
  return `${PREFIX.raw}source=${source}/ingest_date=${ingestDate}/run_id=${runId}/`;
}

/** One raw page of an entity, e.g. `raw/source=dummyjson/.../orders/part-00001.json`. */
export function rawPageKey(runPrefix: string, entity: string, page: number): string {
  return `${runPrefix}${entity}/part-${String(page).padStart(5, '0')}.json`;
}

/** The batch id enrich gives to an API run: `<source>-<runId>`. */
export function batchIdForRun(source: string, runId: string): string {
  return `${source}-${runId}`;
}

/** Folder of one enriched batch. */
export function enrichedPrefix(source: string, ingestDate: string, batchId: string): string {
  return `${PREFIX.enriched}source=${source}/ingest_date=${ingestDate}/batch_id=${batchId}/`;
}

/**
 * An enriched data file of a batch, named for the input it came from: `order_lines-<inputTag>.ndjson`.
 * Two attempts of one batch on different inputs (an API run ingested twice) never write the same
 * key, so the manifest written last always lists files of its own attempt; attempts on the same
 * input write the same bytes to the same keys.
 */
export function enrichedFileKey(prefix: string, name: string, inputTag: string): string {
  return `${prefix}${name}-${inputTag}.ndjson`;
}

/** Rejects of one batch (`rejects-<inputTag>.ndjson` when the input's tag is given, see enrichedFileKey). */
export function rejectsKey(source: string, ingestDate: string, batchId: string, inputTag?: string): string {
  const name = inputTag ? `rejects-${inputTag}` : 'rejects';
  return `${PREFIX.rejects}source=${source}/ingest_date=${ingestDate}/batch_id=${batchId}/${name}.ndjson`;
}

/** Hex digits of an input tag: 48 bits, enough to tell the attempts of one batch apart. */
const INPUT_TAG_LENGTH = 12;

/** The short tag of a stage's input (the hex SHA-256 of what it read), used in its output keys. */
export function inputTagOf(sha256: string): string {
  return sha256.slice(0, INPUT_TAG_LENGTH);
}

/** A Parquet part of a curated table; order lines are partitioned by order date. */
export function curatedKey(table: CuratedTable, batchId: string, part: number, orderDate?: string): string {
  const partition = orderDate ? `order_date=${orderDate}/` : '';
  return `${PREFIX.curated}${table}/${partition}${batchId}-part-${part}.parquet`;
}

/** The convert manifest of a batch (outside the table folders, so COPY never reads it). */
export function curatedManifestKey(batchId: string): string {
  return `${PREFIX.curated}_manifests/${batchId}.json`;
}

/** The manifest key inside a folder. */
export function manifestKeyIn(prefix: string): string {
  return `${prefix}${MANIFEST_FILE}`;
}

/** True when a key is a manifest (the commit marker of a folder). */
export function isManifestKey(key: string): boolean {
  return key.endsWith(`/${MANIFEST_FILE}`);
}

export { CURATED_TABLE };
