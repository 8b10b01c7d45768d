import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../adapters/object-store';

/** A written NDJSON file as a manifest lists it. */
export interface WrittenNdjson {
  key: string;
  bytes: number;
  sha256: string;
  rows: number;
}

/** Rows are joined into chunks of about this many characters before they go to the upload. */
const CHUNK_CHARS = 256 * 1024;

/**
 * Write rows as NDJSON to the object store while they are produced, through `putStream`
 * (multipart for big bodies), hashing and counting the bytes on the way. Holds one chunk and the
 * upload's own part buffers, whatever the number of rows. Backpressure: `write` waits while the
 * upload is behind.
 * @example
 * const out = new NdjsonUpload(store, bucket, key);
 * for (const row of rows) await out.write(row);
 * const listed = await out.end(); // { key, bytes, sha256, rows }
 */
export class NdjsonUpload {
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly hash = createHash('sha256');
  private readonly uploaded: Promise<unknown>;
  private pending: string[] = [];
  private pendingChars = 0;
  private bytes = 0;
  private rowCount = 0;

  constructor(
    store: ObjectStore,
    bucket: string,
    readonly key: string,
  ) {
    this.uploaded = store.putStream(bucket, key, this.body, 'application/x-ndjson');
    // Observed here so an early failure is never unhandled; write/end rethrow it.
    this.uploaded.catch(() => undefined);
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  async write(row: unknown): Promise<void> {
    const line = `${JSON.stringify(row)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    this.rowCount += 1;
    if (this.pendingChars >= CHUNK_CHARS) await this.flush();
  }

  /** Finish the object; resolves with what the manifest lists once the store has it. */
  async end(): Promise<WrittenNdjson> {
    await this.flush();
    this.body.end();
    await this.uploaded;
    return { key: this.key, bytes: this.bytes, sha256: this.hash.digest('hex'), rows: this.rowCount };
  }

  /** Give up: the upload is aborted (a multipart upload is not completed), nothing is committed. */
  abort(reason: Error): void {
    this.body.destroy(reason);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
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
}
