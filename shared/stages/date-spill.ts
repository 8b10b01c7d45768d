import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipe } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, type Gzip, type ZlibOptions } from 'node:zlib';
import { LocalDiskFullError } from '../errors';
import type { Logger } from '../logger';
import { partitionOf, removeStaleSpills } from './duplicate-spill';
import { ndjsonBatches } from './ndjson-lines';

/** Name prefix of convert's spill folders under the temp folder (stale ones are removed). */
export const DATE_SPILL_DIR = 'convert-dates-';
/** Bucket files a spill level writes at most: the gzip streams (~0.5 MB each) open at once. */
export const DATE_SPILL_FANOUT = 16;
/** Fastest gzip: ~9x smaller than the NDJSON for little CPU (the spill is read once, soon). */
const GZIP_LEVEL = 1;
/**
 * Bytes of records gathered before they go to gzip: a write to a zlib stream is a round trip to
 * the thread pool, too dear for every ~600-byte row.
 */
const CHUNK_BYTES = 64 * 1024;

/** A spilled row as it is read back: its 1-based line in the input (for error messages) and the row. */
export type SpilledRow = readonly [line: number, row: object];

/**
 * One bucket file: gzip NDJSON of `[line, row]` records, gathered 64 KB at a time and written
 * through a stream that is awaited when it holds two such chunks: a bucket holds ~200 KB of
 * spilled rows at most, besides the ~260 KB of gzip's own state.
 */
class SpillFile {
  // Node hands a zlib stream's options on to Transform (its types leave the stream options out):
  // two chunks queued let gzip compress on the thread pool while the next one is gathered.
  private readonly gzip: Gzip = createGzip({
    level: GZIP_LEVEL,
    writableHighWaterMark: 2 * CHUNK_BYTES,
  } as ZlibOptions);
  private readonly file: WriteStream;
  private readonly written: Promise<void>;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  rows = 0;

  constructor(readonly path: string) {
    this.file = createWriteStream(path);
    this.written = pipeline(this.gzip, this.file);
    // Awaited by append and end; this keeps a failure nobody is waiting on from being unhandled.
    this.written.catch(() => undefined);
  }

  /** Compressed bytes written to disk so far. */
  get bytes(): number {
    return this.file.bytesWritten;
  }

  async append(text: string): Promise<void> {
    this.rows += 1;
    // A UTF-16 unit is 3 UTF-8 bytes at most.
    if (this.used + text.length * 3 > CHUNK_BYTES) await this.flush();
    if (text.length * 3 > CHUNK_BYTES) await this.write(Buffer.from(text, 'utf8'));
    else this.used += this.chunk.write(text, this.used, 'utf8');
  }

  async end(): Promise<void> {
    await this.flush();
    this.gzip.end();
    await this.written;
  }

  /** Stop writing (after a failure elsewhere); the file goes with its folder. */
  destroy(): void {
    this.gzip.destroy();
  }

  /** Hand the gathered records to gzip. */
  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
    await this.write(full);
  }

  /** Write to gzip; wait while it pushes back, or for the write to fail (a full disk). */
  private async write(bytes: Buffer): Promise<void> {
    if (this.gzip.destroyed) await this.failed();
    if (!this.gzip.write(bytes)) await this.drained();
  }

  /** Wait for the gzip stream to take more, or for the write to fail. */
  private async drained(): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        this.gzip.off('drain', done);
        this.gzip.off('close', done);
        resolve();
      };
      this.gzip.on('drain', done);
      this.gzip.on('close', done);
    });
    if (this.gzip.destroyed) await this.failed();
  }

  private async failed(): Promise<never> {
    await this.written;
    throw new Error(`${this.path} was closed while rows were being spilled to it`);
  }
}

/**
 * One level of a spill: rows go to `fanout` bucket files by a hash of their date seeded with the
 * level's depth (so dates that shared a bucket spread out again one level down); a bucket file is
 * created when its first row comes. A full disk fails with a LocalDiskFullError naming the folder.
 */
export class SpillLevel {
  private readonly files: (SpillFile | undefined)[];
  private readonly bucketOf = new Map<string, number>();
  /** Rows spilled to this level. */
  rows = 0;

  constructor(
    readonly dir: string,
    readonly depth: number,
    /** What is being spilled, for error messages ("order lines of s3://..."). */
    private readonly what: string,
    private readonly fanout = DATE_SPILL_FANOUT,
  ) {
    this.files = Array.from({ length: fanout }, () => undefined);
  }

  /** Distinct dates spilled to this level. */
  get dates(): number {
    return this.bucketOf.size;
  }

  /** Compressed bytes on disk. */
  get bytes(): number {
    return this.files.reduce((n, f) => n + (f?.bytes ?? 0), 0);
  }

  async append(line: number, date: string, row: object): Promise<void> {
    let bucket = this.bucketOf.get(date);
    if (bucket === undefined) {
      const bytes = Buffer.from(date, 'utf8');
      bucket = partitionOf(bytes, bytes.length, this.depth, this.fanout);
      this.bucketOf.set(date, bucket);
    }
    let file = this.files[bucket];
    if (!file) {
      file = new SpillFile(join(this.dir, `${this.depth}-${bucket}.ndjson.gz`));
      this.files[bucket] = file;
    }
    this.rows += 1;
    try {
      await file.append(`[${line},${JSON.stringify(row)}]\n`);
    } catch (error) {
      throw this.describe(error);
    }
  }

  /** Close every bucket file; the non-empty ones, in bucket order. */
  async finish(): Promise<{ path: string; rows: number }[]> {
    const written: { path: string; rows: number }[] = [];
    for (const file of this.files) {
      if (!file) continue;
      try {
        await file.end();
      } catch (error) {
        throw this.describe(error);
      }
      written.push({ path: file.path, rows: file.rows });
    }
    return written;
  }

  /** Stop writing (after a failure). */
  destroy(): void {
    for (const file of this.files) file?.destroy();
  }

  private describe(error: unknown): Error {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOSPC')
      return new LocalDiskFullError(
        `no space left on local disk in spill folder ${this.dir} while spilling ${this.what} ` +
          `(level ${this.depth}: ${this.rows} rows of ${this.dates} dates, ${this.bytes} bytes written); ` +
          "raise the function's ephemeralStorageSize",
        this.dir,
        { cause: error },
      );
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The rows of one bucket file, in the order spilled, a chunk at a time; checks the count read back. */
async function* readBucket(bucket: { path: string; rows: number }): AsyncGenerator<SpilledRow[]> {
  const source = createReadStream(bucket.path);
  const rows = pipe(source, createGunzip(), () => undefined);
  const reader = ndjsonBatches(rows);
  try {
    for await (const batch of reader.batches) yield batch as SpilledRow[];
    const { records } = reader.summary();
    if (records !== bucket.rows)
      throw new Error(`${bucket.path}: read back ${records} spilled rows, ${bucket.rows} were written`);
  } finally {
    rows.destroy();
    source.destroy();
  }
}

/**
 * Keeps convert's rows in bounded memory whatever the number of dates (grace-hash style): in each
 * phase at most `liveLimit` dates are live (the first seen, while there is room) and their rows
 * go to the Parquet writer; rows of the other dates are spilled to gzip NDJSON bucket files under
 * `tmp`. Each bucket then becomes the input of a later phase with a fresh live set, its own
 * overflow spilling one level down. Every phase admits at least one date, so it ends; every date
 * is written in exactly one phase, its rows in input order, so its files are as few as if it had
 * been alone, and the output is the same for the same input. No disk is used while the dates fit.
 * @example
 * const spill = new DateSpill(tmpdir(), 8, 'order lines of s3://bucket/key');
 * try {
 *   for (const row of input) if (spill.admits(row.order_date)) await out.add(row.order_date, row); else await spill.add(n, row.order_date, row);
 *   for await (const phase of spill.phases(log)) for await (const rows of phase) for (const [n, row] of rows) ...;
 * } finally { await spill.close(); }
 */
export class DateSpill {
  private readonly live = new Set<string>();
  private dir: string | undefined;
  /** The level rows are being spilled to, from the first spilled row until its phases begin. */
  private writing: SpillLevel | undefined;
  private depth = 0;
  private reading: AsyncGenerator<SpilledRow[]> | undefined;

  constructor(
    private readonly tmp: string,
    private readonly liveLimit: number,
    private readonly what: string,
    private readonly fanout = DATE_SPILL_FANOUT,
  ) {
    if (!Number.isInteger(liveLimit) || liveLimit < 1)
      throw new RangeError(`DateSpill: the live-date limit must be a positive integer, got ${liveLimit}`);
  }

  /** Whether a row of `date` is written in this phase: its date is live, or becomes live while there is room. */
  admits(date: string): boolean {
    if (this.live.has(date)) return true;
    if (this.live.size >= this.liveLimit) return false;
    this.live.add(date);
    return true;
  }

  /** Spill a row whose date `admits` refused, for a later phase (creates the folder on first use). */
  async add(line: number, date: string, row: object): Promise<void> {
    this.writing ??= await this.nextLevel();
    await this.writing.append(line, date, row);
  }

  /**
   * The later phases, once the current input has been read whole: each non-empty bucket in turn,
   * its rows in the order spilled, with a fresh live set (rows `admits` refuses go to `add` again,
   * into the next level). Read each phase to the end before asking for the next. Logs one line per
   * spill level: dates, rows and bytes spilled.
   */
  async *phases(log: Logger): AsyncGenerator<AsyncGenerator<SpilledRow[]>> {
    while (this.writing) {
      const level = this.writing;
      this.writing = undefined;
      this.depth += 1;
      const buckets = await level.finish();
      log.info('rows of dates beyond the open-file limit spilled to local disk', {
        spillLevel: level.depth,
        dates: level.dates,
        rows: level.rows,
        spillBytes: level.bytes,
        buckets: buckets.length,
        folder: level.dir,
      });
      for (const bucket of buckets) {
        this.live.clear();
        this.reading = readBucket(bucket);
        yield this.reading;
        this.reading = undefined;
        await rm(bucket.path, { force: true });
      }
    }
  }

  /** Remove the spill folder, stopping any file still open: after success and after a failure. */
  async close(): Promise<void> {
    this.writing?.destroy();
    this.writing = undefined;
    await this.reading?.return(undefined);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async nextLevel(): Promise<SpillLevel> {
    if (!this.dir) {
      await removeStaleSpills(this.tmp, DATE_SPILL_DIR);
      this.dir = await mkdtemp(join(this.tmp, DATE_SPILL_DIR));
    }
    return new SpillLevel(this.dir, this.depth, this.what, this.fanout);
  }
}
