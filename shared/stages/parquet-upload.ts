import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../adapters/object-store';
import {
  expectedFooterColumns,
  footerLength,
  type ParquetFooter,
  readParquetFooter,
} from '../adapters/parquet-writer';
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

/** A Parquet file just written: what the manifest lists, and what reading it back needs. */
export interface UploadedParquet extends WrittenParquet {
  /** The ETag the store gave our upload: the object at the key must still have it. */
  eTag: string;
  /** Length of the footer (its Thrift metadata, length field and magic): the tail to read back. */
  footerBytes: number;
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
  private readonly uploaded: Promise<{ eTag: string }>;
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

  /**
   * Write the last bytes (which end with the footer) and resolve once the store holds the whole
   * object.
   */
  async end(last: Uint8Array, counts: { rows: number; rowGroups: number }): Promise<UploadedParquet> {
    if (last.byteLength < 8)
      throw new RangeError(`${this.key}: the last bytes of a Parquet file hold its footer`);
    const footerBytes = footerLength(last.subarray(last.byteLength - 8));
    await this.write(last);
    this.body.end();
    const { eTag } = await this.uploaded;
    return {
      key: this.key,
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      ...counts,
      eTag,
      footerBytes,
    };
  }

  /** Give up: the body fails, so a multipart upload is aborted and nothing is committed. */
  abort(reason: Error): void {
    this.body.destroy(reason);
  }
}

/**
 * Check that the object at a written file's key is the file we wrote, without downloading it: HEAD
 * gives its size and ETag (the ETag our upload got, so no other write replaced it; the store checked
 * the bytes on the way in, S3 against the SDK's request checksums), and one ranged GET gives its
 * footer, which must read back with our row count, row groups and every column's name, physical
 * type, logical type and nullability. The SHA-256 in the manifest is of the bytes we sent.
 */
export async function verifyStoredParquet(
  store: ObjectStore,
  bucket: string,
  file: UploadedParquet,
  columns: readonly ColumnSpec<never>[],
): Promise<void> {
  const fail = (what: string): never => {
    throw new ManifestMismatchError(
      `s3://${bucket}/${file.key} does not read back as written: ${what}`,
      file.key,
    );
  };
  const stored = await store.head(bucket, file.key);
  if (stored.size !== file.bytes) fail(`${stored.size} bytes, wrote ${file.bytes}`);
  if (stored.eTag !== file.eTag)
    fail(`ETag ${stored.eTag}, our upload got ${file.eTag} (replaced by another write?)`);
  if (file.footerBytes + 4 > file.bytes) fail(`a footer of ${file.footerBytes} bytes in ${file.bytes}`);
  const tail = await store.getRange(bucket, file.key, file.bytes - file.footerBytes, file.bytes - 1);
  const footer = parseFooter(tail, file.footerBytes, fail);
  if (footer.rows !== file.rows) fail(`${footer.rows} rows, wrote ${file.rows}`);
  if (footer.rowGroups !== file.rowGroups) fail(`${footer.rowGroups} row groups, wrote ${file.rowGroups}`);
  const expected = JSON.stringify(expectedFooterColumns(columns));
  if (JSON.stringify(footer.columns) !== expected)
    fail(`schema ${JSON.stringify(footer.columns)}, expected ${expected}`);
}

/** The footer in a file's last `footerBytes` bytes, or `fail` saying why it is not one. */
function parseFooter(tail: Uint8Array, footerBytes: number, fail: (what: string) => never): ParquetFooter {
  let footer: ParquetFooter;
  try {
    footer = readParquetFooter(tail);
  } catch (error) {
    return fail(`footer does not parse (${(error as Error).message})`);
  }
  if (footerLength(tail.subarray(tail.byteLength - 8)) !== footerBytes) fail('footer length differs');
  return footer;
}
