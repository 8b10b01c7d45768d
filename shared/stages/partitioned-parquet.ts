import type { ObjectStore } from '../adapters/object-store';
import { ParquetStreamWriter } from '../adapters/parquet-writer';
import type { CuratedTable } from '../constants';
import { curatedKey } from '../domain/layout';
import type { ColumnSpec } from '../domain/tables';
import { ParquetUpload, type UploadedParquet } from './parquet-upload';

/** How convert sizes its output and bounds its memory. */
export interface PartitionedParquetOptions {
  /** Rows a row group holds: a partition's buffer is encoded once it holds this many. */
  rowGroupRows: number;
  /** A file is finished (and the next part begun) once it reaches this many bytes. */
  targetFileBytes: number;
  /**
   * ...or once it holds this many row groups: a file's footer metadata (a column chunk per column
   * per row group) is held until it is finished, so this bounds it when rows of many dates make
   * short row groups.
   */
  maxRowGroupsPerFile: number;
  /**
   * ...and row groups held across all open files at most: past it the open file holding the most is
   * finished. Bounds the footer metadata as a whole, whatever the number of partitions written at
   * once (rows of many dates interleaved make many short row groups in several files).
   */
  maxHeldRowGroups: number;
  /**
   * Rows buffered across all partitions at most; past it the partition holding the most is encoded
   * early (a shorter row group). Bounds memory when rows of many dates arrive interleaved.
   */
  maxBufferedRows: number;
  /**
   * Files open (uploading) at once at most; past it the least recently written one is finished, and
   * its partition continues in a new part. Bounds the upload buffers (multipart parts) held.
   */
  maxOpenFiles: number;
}

/** A finished file of one partition. */
export interface PartitionFile extends UploadedParquet {
  /** The partition value (order date), or undefined for an unpartitioned table. */
  partition: string | undefined;
}

interface Partition {
  value: string | undefined;
  /**
   * The file being written, from its first buffered row until it is finished; none in between,
   * so a partition that is not being written holds nothing (many dates stay cheap).
   */
  writer: ParquetStreamWriter<never> | undefined;
  upload: ParquetUpload | undefined;
  /** Part number of the current file. */
  part: number;
  /** Order in which partitions last wrote bytes (for least-recently-used closing). */
  lastWrite: number;
}

/**
 * Writes one table's rows as Parquet files, one folder per partition value, in bounded memory:
 * a partition's rows are buffered column by column until they make a row group, encoded, and
 * streamed to the store; a file is finished when it reaches the target size. Every finished file
 * is handed to `onFile` (which reads it back) before the next one is counted as written.
 * @example
 * const out = new PartitionedParquetWriter(store, bucket, 'order_lines', batchId, ORDER_LINE_COLUMNS, options, verify);
 * for (const row of rows) await out.add(row.order_date, row);
 * const files = await out.finish();
 */
export class PartitionedParquetWriter {
  private readonly partitions = new Map<string | undefined, Partition>();
  private readonly files: PartitionFile[] = [];
  private buffered = 0;
  private clock = 0;
  private openFiles = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly table: CuratedTable,
    private readonly batchId: string,
    private readonly columns: readonly ColumnSpec<never>[],
    private readonly options: PartitionedParquetOptions,
    private readonly onFile: (file: PartitionFile) => Promise<void>,
  ) {
    const limits = Object.values(options);
    if (!limits.every((n) => Number.isInteger(n) && n >= 1))
      throw new RangeError(
        `PartitionedParquetWriter: every limit must be a positive integer: ${JSON.stringify(options)}`,
      );
  }

  /** Rows buffered (not yet encoded) across partitions. */
  get bufferedRows(): number {
    return this.buffered;
  }

  /**
   * Buffer one row in its partition; encodes and uploads a row group when one is full. Throws
   * ParquetValueError, with nothing buffered, when a value does not fit its column.
   */
  async add(partition: string | undefined, row: unknown): Promise<void> {
    const target = this.partitionOf(partition);
    target.writer ??= this.newWriter();
    target.writer.add(row as never);
    this.buffered += 1;
    if (target.writer.bufferedRows >= this.options.rowGroupRows) await this.flush(target);
    else if (this.buffered > this.options.maxBufferedRows) await this.flush(this.fullest());
  }

  /**
   * Encode what is buffered, finish every open file; the files written so far, in the order
   * finished. Rows of other partitions may follow (convert's later phases); finish again after them.
   */
  async finish(): Promise<PartitionFile[]> {
    const open = [...this.partitions.values()].sort((a, b) => compareValues(a.value, b.value));
    for (const partition of open) if (partition.writer) await this.close(partition);
    return this.files;
  }

  /** Abort the uploads in progress (after a failure): nothing half-written is committed. */
  abort(reason: Error): void {
    for (const partition of this.partitions.values()) partition.upload?.abort(reason);
  }

  private partitionOf(value: string | undefined): Partition {
    let partition = this.partitions.get(value);
    if (!partition) {
      partition = { value, writer: undefined, upload: undefined, part: 0, lastWrite: 0 };
      this.partitions.set(value, partition);
    }
    return partition;
  }

  private newWriter(): ParquetStreamWriter<never> {
    return new ParquetStreamWriter(this.columns, { capacity: Math.min(this.options.rowGroupRows, 256) });
  }

  private fullest(): Partition {
    let fullest: Partition | undefined;
    let most = 0;
    for (const partition of this.partitions.values()) {
      const rows = partition.writer?.bufferedRows ?? 0;
      if (rows > most) {
        fullest = partition;
        most = rows;
      }
    }
    return fullest!;
  }

  /** Encode a partition's buffered rows as a row group into its open file (opening one if needed). */
  private async flush(partition: Partition): Promise<void> {
    const writer = partition.writer;
    if (!writer || writer.bufferedRows === 0) return;
    if (!partition.upload) await this.open(partition);
    const rows = writer.bufferedRows;
    const bytes = writer.flushRowGroup();
    this.buffered -= rows;
    partition.lastWrite = ++this.clock;
    await partition.upload!.write(bytes);
    if (writer.bytes >= this.options.targetFileBytes || writer.rowGroups >= this.options.maxRowGroupsPerFile)
      await this.close(partition);
    else if (this.heldRowGroups() > this.options.maxHeldRowGroups) await this.close(this.mostRowGroups());
  }

  /** Row groups whose footer metadata the open files hold. */
  private heldRowGroups(): number {
    let held = 0;
    for (const partition of this.partitions.values())
      if (partition.upload) held += partition.writer!.rowGroups;
    return held;
  }

  private mostRowGroups(): Partition {
    let most: Partition | undefined;
    for (const partition of this.partitions.values()) {
      if (partition.upload && (!most || partition.writer!.rowGroups > most.writer!.rowGroups))
        most = partition;
    }
    return most!;
  }

  private async open(partition: Partition): Promise<void> {
    while (this.openFiles >= this.options.maxOpenFiles) await this.close(this.leastRecentlyWritten());
    const key = curatedKey(this.table, this.batchId, partition.part, partition.value);
    partition.upload = new ParquetUpload(this.store, this.bucket, key);
    this.openFiles += 1;
  }

  private leastRecentlyWritten(): Partition {
    let oldest: Partition | undefined;
    for (const partition of this.partitions.values()) {
      if (partition.upload && (!oldest || partition.lastWrite < oldest.lastWrite)) oldest = partition;
    }
    return oldest!;
  }

  /** Finish a partition's current file (its buffered rows become the last row group) and read it back. */
  private async close(partition: Partition): Promise<void> {
    const writer = partition.writer;
    if (!writer) return;
    if (!partition.upload && writer.bufferedRows === 0) {
      partition.writer = undefined;
      return;
    }
    if (!partition.upload) await this.open(partition);
    const upload = partition.upload!;
    this.buffered -= writer.bufferedRows;
    const last = writer.finish();
    partition.upload = undefined;
    partition.writer = undefined;
    partition.part += 1;
    this.openFiles -= 1;
    const written = await upload.end(last, { rows: writer.writtenRows, rowGroups: writer.rowGroups });
    const file = { ...written, partition: partition.value };
    await this.onFile(file);
    this.files.push(file);
  }
}

function compareValues(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
