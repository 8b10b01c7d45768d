import { createHash } from 'node:crypto';
import { PREFIX } from '../constants';
import type { Entity } from './sources/source-definition';

/**
 * The file-drop contract: which objects under `landing/` ingest accepts, what each holds, and the
 * records it turns them into. Pure: no I/O here (the readers live in `shared/adapters/`).
 */

/** How a landing file is laid out. */
export type FileFormat = 'csv' | 'json-array' | 'jsonl';

export interface LandingFile {
  entity: Entity;
  format: FileFormat;
}

/** The accepted names (case-insensitive, optionally `.gz`), in the order they are tried. */
const PATTERNS: readonly { pattern: RegExp; file: LandingFile }[] = [
  { pattern: /^customers[^/]*\.csv$/i, file: { entity: 'customers', format: 'csv' } },
  { pattern: /^products[^/]*\.csv$/i, file: { entity: 'products', format: 'csv' } },
  { pattern: /^(?:sales|events)[^/]*\.jsonl$/i, file: { entity: 'orders', format: 'jsonl' } },
  { pattern: /^sales[^/]*\.json$/i, file: { entity: 'orders', format: 'json-array' } },
];

/** The landing name patterns, for messages and usage text. */
export const LANDING_PATTERNS =
  'customers*.csv, products*.csv, sales*.json, sales*.jsonl, events*.jsonl (each optionally .gz)';

/**
 * What a landing key holds, from its file name: `undefined` when the name is not in the contract.
 * @example classifyLandingKey('landing/2026/sales-eu.jsonl.gz') // { entity: 'orders', format: 'jsonl' }
 */
export function classifyLandingKey(key: string): LandingFile | undefined {
  const name = (key.split('/').pop() ?? '').replace(/\.gz$/i, '');
  return PATTERNS.find((p) => p.pattern.test(name))?.file;
}

/** True for keys ingest watches: under `landing/`, and not a folder marker (`landing/x/`). */
export function isLandingObject(key: string): boolean {
  return key.startsWith(PREFIX.landing) && !key.endsWith('/');
}

/**
 * Run id of a dropped file: its name, made key-safe, and a hash of bucket, key and ETag. The same
 * object always gets the same run id, so a redelivered S3 event rewrites its own raw folder; a new
 * version (new ETag) is a new batch.
 * @example runIdForFile('raw', 'landing/sales.jsonl', '9b2cf535f27731c974343645a3985328') // 'sales-jsonl-1f0c...'
 */
export function runIdForFile(bucket: string, key: string, eTag: string): string {
  const name = (key.split('/').pop() ?? 'file')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256')
    .update(`${bucket}\n${key}\n${normaliseETag(eTag)}`)
    .digest('hex');
  return `${name || 'file'}-${hash.slice(0, 16)}`;
}

/** ETags with and without their quotes (S3 quotes them in headers, not in events) compare equal. */
export function normaliseETag(eTag: string): string {
  return eTag.replace(/"/g, '');
}

/** Longest record (line, CSV record or array element) kept whole; a longer one is unparseable. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Raw text kept of a record too long to parse. */
export const KEPT_RAW_BYTES = 64 * 1024;
/**
 * Bytes decoded to text at a time. Kept well under V8's large-object size (128 KiB; a string of
 * N bytes can take 2N), so decoded text dies young instead of waiting in large-object space for a
 * full collection: that is what keeps a 1 GB file's peak memory flat.
 */
export const DECODE_BYTES = 16 * 1024;

/** A chunk of bytes in slices of at most DECODE_BYTES. */
export function* decodeSlices(chunk: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < chunk.byteLength; at += DECODE_BYTES) yield chunk.subarray(at, at + DECODE_BYTES);
}

/**
 * One record read from a landing file: its fields, or the text that could not be parsed. A JSON
 * record also carries its exact JSON text (`json`), so ingest writes it without serialising it again.
 */
export type FileRecord =
  | { line: number; data: Record<string, unknown>; json?: string; unparseable?: undefined }
  | { line: number; data?: undefined; json?: undefined; unparseable: { raw_text: string; error: string } };

/** A record as a raw part holds it: `{"line":N,"data":{...}}` or `{"line":N,"unparseable":{...}}`. */
export function partRecordJson(record: FileRecord): string {
  if (record.json !== undefined) return `{"line":${record.line},"data":${record.json}}`;
  return JSON.stringify(
    record.unparseable
      ? { line: record.line, unparseable: record.unparseable }
      : { line: record.line, data: record.data },
  );
}

/** A raw part file of a file run (`raw/source=files/.../<entity>/part-N.json`). */
export interface FilePart {
  /** The landing object, `s3://bucket/landing/...`. */
  source_file: string;
  format: FileFormat;
  entity: Entity;
  /** 1-based position of the part's first record in its file (records are numbered across parts). */
  first_record: number;
  records: FileRecord[];
}

/** Records per raw part file, and the size at which a part is cut earlier. */
export const PART_RECORDS = 5_000;
export const PART_BYTES = 8 * 1024 * 1024;
