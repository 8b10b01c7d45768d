import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../adapters/object-store';
import { expectedFooterColumns, footerLength, readParquetFooter } from '../adapters/parquet-writer';
import type { ColumnSpec } from '../domain/tables';
import { ManifestMismatchError } from '../errors';

const PARQUET_TYPE = 'application/vnd.apache.parquet';

/** A finished Parquet file as the curated manifest lists it. */
export interface WrittenParquet {
  key: string;
  bytes: number;
  sha256: string;
  rows: number;
  rowGroups: number;
}

/**
 * One Parquet file going to the object store as it is encoded, through `putStream` (multipart for
 * big bodies): bytes are hashed and counted on the way, and `write` waits while the upload is
 * behind. Holds only what the upload buffers, whatever the size of the file.
 * @example
 * const upload = new ParquetUpload(store, bucket, key);
 * await upload.write(file.flushRowGroup());
 * const written = await upload.end(file.finish(), { rows, rowGroups });
 */
export class ParquetUpload {
  private readonly body = new PassThrough({ highWaterMark: 256 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly uploaded: Promise<void>;
  private bytes = 0;

  constructor(
    store: ObjectStore,
    bucket: string,
    readonly key: string,
  ) {
    this.uploaded = store.putStream(bucket, key, this.body, PARQUET_TYPE);
    // Observed here so an early failure is never unhandled; write/end rethrow it.
    this.uploaded.catch(() => undefined);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return;
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    if (!this.body.write(chunk)) {
      await Promise.race([
        once(this.body, 'drain'),
        this.uploaded.then(() => {
          throw new Error(`upload of ${this.key} ended before its body`);
        }),
      ]);
    }
  }

  /** Write the last bytes and resolve once the store holds the whole object. */
  async end(last: Uint8Array, counts: { rows: number; rowGroups: number }): Promise<WrittenParquet> {
    await this.write(last);
    this.body.end();
    await this.uploaded;
    return { key: this.key, bytes: this.bytes, sha256: this.hash.digest('hex'), ...counts };
  }

  /** Give up: the body fails, so a multipart upload is aborted and nothing is committed. */
  abort(reason: Error): void {
    this.body.destroy(reason);
  }
}

/**
 * Read a written file back from the store and check it is the file we meant: the same bytes (size
 * and SHA-256) and a footer that reads back with our row count, row groups and every column's
 * name, physical type, logical type and nullability. Streams the object, keeping only its tail.
 */
export async function verifyStoredParquet(
  store: ObjectStore,
  bucket: string,
  file: WrittenParquet,
  columns: readonly ColumnSpec<never>[],
): Promise<void> {
  const fail = (what: string) => {
    throw new ManifestMismatchError(
      `s3://${bucket}/${file.key} does not read back as written: ${what}`,
      file.key,
    );
  };
  const hash = createHash('sha256');
  let bytes = 0;
  // Keep the last chunks: enough to hold the footer (checked below against its own length field).
  const tail: Buffer[] = [];
  let tailBytes = 0;
  const keep = 4 * 1024 * 1024;
  for await (const chunk of await store.getStream(bucket, file.key)) {
    const piece = chunk as Buffer;
    hash.update(piece);
    bytes += piece.byteLength;
    tail.push(piece);
    tailBytes += piece.byteLength;
    while (tail.length > 1 && tailBytes - tail[0]!.byteLength >= keep) tailBytes -= tail.shift()!.byteLength;
  }
  if (bytes !== file.bytes) fail(`${bytes} bytes, wrote ${file.bytes}`);
  if (hash.digest('hex') !== file.sha256) fail('checksum differs');
  if (tailBytes < 12) fail('too short to be Parquet');
  const needed = footerLength(lastBytes(tail, 8));
  if (needed > tailBytes) fail(`footer of ${needed} bytes is longer than the tail kept`);
  // Only the footer is copied out of the chunks kept (not the whole 4 MB tail).
  const footer = readParquetFooter(lastBytes(tail, needed));
  if (footer.rows !== file.rows) fail(`${footer.rows} rows, wrote ${file.rows}`);
  if (footer.rowGroups !== file.rowGroups) fail(`${footer.rowGroups} row groups, wrote ${file.rowGroups}`);
  const expected = JSON.stringify(expectedFooterColumns(columns));
  if (JSON.stringify(footer.columns) !== expected)
    fail(`schema ${JSON.stringify(footer.columns)}, expected ${expected}`);
}

/** The last `count` bytes of a list of chunks, copied into one buffer. */
function lastBytes(chunks: readonly Buffer[], count: number): Buffer {
  const out = Buffer.allocUnsafe(count);
  let at = count;
  for (let i = chunks.length - 1; i >= 0 && at > 0; i -= 1) {
    const chunk = chunks[i]!;
    const take = Math.min(at, chunk.byteLength);
    chunk.copy(out, at - take, chunk.byteLength - take);
    at -= take;
  }
  return out;
}
