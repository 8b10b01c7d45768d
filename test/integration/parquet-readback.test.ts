import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEnrichedBatch } from '../../bench/enriched-batch';
import { orderLines } from '../../bench/order-lines';
import type { MessageQueue } from '../../shared/adapters/message-queue';
import type { ObjectStore } from '../../shared/adapters/object-store';
import { ParquetStreamWriter } from '../../shared/adapters/parquet-writer';
import { ORDER_LINE_COLUMNS } from '../../shared/domain/tables';
import { ManifestMismatchError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { runConvert } from '../../shared/stages/convert';
import { ParquetUpload, type UploadedParquet, verifyStoredParquet } from '../../shared/stages/parquet-upload';
import { type S3Store, startS3Store } from '../helpers/s3-store';

/** Forwards to a store and records every read of a Parquet object. */
class ReadRecordingStore implements ObjectStore {
  readonly reads: { call: string; key: string; start?: number; end?: number }[] = [];
  constructor(private readonly inner: ObjectStore) {}
  private note(call: string, key: string, start?: number, end?: number) {
    if (key.endsWith('.parquet'))
      this.reads.push({ call, key, ...(start === undefined ? {} : { start, end }) });
  }
  get(bucket: string, key: string) {
    this.note('get', key);
    return this.inner.get(bucket, key);
  }
  getStream(bucket: string, key: string) {
    this.note('getStream', key);
    return this.inner.getStream(bucket, key);
  }
  getRange(bucket: string, key: string, start: number, end: number) {
    this.note('getRange', key, start, end);
    return this.inner.getRange(bucket, key, start, end);
  }
  head(bucket: string, key: string) {
    this.note('head', key);
    return this.inner.head(bucket, key);
  }
  put(bucket: string, key: string, body: Uint8Array | string, contentType: string) {
    return this.inner.put(bucket, key, body, contentType);
  }
  putStream(bucket: string, key: string, body: Readable, contentType: string) {
    return this.inner.putStream(bucket, key, body, contentType);
  }
  list(bucket: string, prefix: string) {
    return this.inner.list(bucket, prefix);
  }
}

const noQueue: MessageQueue = { send: async () => undefined };

describe('reading written Parquet back from s3rver without downloading it', () => {
  let s3: S3Store;
  beforeAll(async () => {
    s3 = await startS3Store('parquet-readback', ['lake']);
  });
  afterAll(() => s3?.close());

  /** Write order lines as one Parquet file through ParquetUpload; what the upload reports. */
  async function upload(key: string, rows: number, rowGroupRows = 1000): Promise<UploadedParquet> {
    const writer = new ParquetStreamWriter(ORDER_LINE_COLUMNS);
    const out = new ParquetUpload(s3.store, 'lake', key);
    let n = 0;
    for (const line of orderLines(rows, { seed: 3, days: 1 })) {
      writer.add(line as never);
      n += 1;
      if (n % rowGroupRows === 0) await out.write(writer.flushRowGroup());
    }
    return out.end(writer.finish(), { rows: writer.writtenRows, rowGroups: writer.rowGroups });
  }

  it('reads each file convert writes with one HEAD and one ranged GET of its footer, never the whole file', async () => {
    // Prepare: 6000 lines on 2 dates, files rolled at 40 KB
    const reading = new ReadRecordingStore(s3.store);
    const { key } = await writeEnrichedBatch(s3.store, 'lake', {
      lines: 6000,
      days: 2,
      seed: 4,
      batchId: 'tail',
    });

    // Act
    const manifest = await runConvert(
      {
        store: reading,
        queue: noQueue,
        log: createLogger('silent'),
        config: {
          curatedBucket: 'lake',
          loadQueueUrl: 'http://127.0.0.1:1/0/LoadQueue.fifo',
          loadMessageGroup: 'warehouse',
          parquet: { rowGroupRows: 500, targetFileBytes: 40 * 1024 },
        },
      },
      { bucket: 'lake', key },
    );

    // Assess: per file, exactly a HEAD then its footer's range; the footers are a small part of the bytes
    const orderLineFiles = manifest.files.filter((f) => f.table === 'order_lines');
    expect(orderLineFiles.length).toBeGreaterThan(4);
    expect(reading.reads.filter((r) => r.call === 'get' || r.call === 'getStream')).toEqual([]);
    for (const file of manifest.files) {
      const reads = reading.reads.filter((r) => r.key === file.key);
      expect(reads.map((r) => r.call)).toEqual(['head', 'getRange']);
      const range = reads[1]!;
      expect(range.end).toBe(file.bytes - 1);
      const tail = await s3.store.getRange('lake', file.key, range.start!, range.end!);
      expect(Buffer.from(tail.subarray(tail.byteLength - 4)).toString()).toBe('PAR1');
      expect(new DataView(tail.buffer, tail.byteOffset).getUint32(tail.byteLength - 8, true)).toBe(
        tail.byteLength - 8,
      );
    }
    const read = reading.reads
      .filter((r) => r.call === 'getRange')
      .reduce((n, r) => n + r.end! - r.start! + 1, 0);
    const written = manifest.files.reduce((n, f) => n + f.bytes, 0);
    expect(read).toBeLessThan(written / 4);
    // The manifest's checksum is the stored bytes' (computed on the way up, not read back).
    for (const file of orderLineFiles)
      expect(
        createHash('sha256')
          .update(await s3.store.get('lake', file.key))
          .digest('hex'),
      ).toBe(file.sha256);
  });

  it('accepts the file it wrote', async () => {
    // Prepare
    const written = await upload('ok.parquet', 2500);

    // Act
    const verified = verifyStoredParquet(s3.store, 'lake', written, ORDER_LINE_COLUMNS);

    // Assess
    await expect(verified).resolves.toBeUndefined();
    expect(written.rowGroups).toBe(3);
  });

  it('refuses a file another write replaced after the upload, even at the same size', async () => {
    // Prepare: the same key rewritten with other bytes of the same length
    const written = await upload('replaced.parquet', 1200);
    const bytes = Buffer.from(await s3.store.get('lake', 'replaced.parquet'));
    bytes[10] = bytes[10]! ^ 0xff;
    await s3.store.put('lake', 'replaced.parquet', bytes, 'application/vnd.apache.parquet');

    // Act
    const verified = verifyStoredParquet(s3.store, 'lake', written, ORDER_LINE_COLUMNS);

    // Assess
    await expect(verified).rejects.toThrow(ManifestMismatchError);
    await expect(verified).rejects.toThrow(
      /replaced\.parquet does not read back as written: ETag .* our upload got/,
    );
  });

  it('refuses a stored object of another size', async () => {
    // Prepare
    const written = await upload('short.parquet', 800);
    const bytes = await s3.store.get('lake', 'short.parquet');
    await s3.store.put('lake', 'short.parquet', bytes.subarray(0, bytes.byteLength - 1), 'x');

    // Act / Assess
    await expect(verifyStoredParquet(s3.store, 'lake', written, ORDER_LINE_COLUMNS)).rejects.toThrow(
      new RegExp(`${written.bytes - 1} bytes, wrote ${written.bytes}`),
    );
  });

  it.each([
    ['rows', (w: UploadedParquet) => ({ ...w, rows: w.rows + 1 }), /801 rows, wrote 802/],
    ['row groups', (w: UploadedParquet) => ({ ...w, rowGroups: 5 }), /1 row groups, wrote 5/],
    [
      'footer length',
      (w: UploadedParquet) => ({ ...w, footerBytes: w.footerBytes - 16 }),
      /footer does not parse/,
    ],
  ])('refuses a footer whose %s differ from what was written', async (_, change, message) => {
    // Prepare
    const written = await upload(`footer-${_.replace(' ', '-')}.parquet`, 801, 2000);

    // Act / Assess
    await expect(verifyStoredParquet(s3.store, 'lake', change(written), ORDER_LINE_COLUMNS)).rejects.toThrow(
      message,
    );
  });

  it('refuses a file whose schema is not the table’s', async () => {
    // Prepare
    const written = await upload('schema.parquet', 10);

    // Act / Assess: checked against a table with one column renamed
    const columns = ORDER_LINE_COLUMNS.map((c, i) => (i === 0 ? { ...c, name: 'renamed' } : c));
    await expect(verifyStoredParquet(s3.store, 'lake', written, columns)).rejects.toThrow(
      /schema .*expected .*renamed/,
    );
  });
});
