import { tmpdir } from 'node:os';
import type { MessageQueue } from '../adapters/message-queue';
import type { ObjectStore } from '../adapters/object-store';
import { ParquetValueError } from '../adapters/parquet-writer';
import type { Config } from '../config';
import { CURATED_TABLE } from '../constants';
import { curatedManifestKey } from '../domain/layout';
import {
  type CuratedManifest,
  type EnrichedManifest,
  enrichedManifestSchema,
  type LoadMessage,
} from '../domain/manifest';
import type { ObjectRef } from '../domain/s3-notification';
import { TABLE_COLUMNS } from '../domain/tables';
import { ConfigError, ManifestMismatchError } from '../errors';
import type { Logger } from '../logger';
import { DateSpill } from './date-spill';
import { readManifest } from './manifest-io';
import { NdjsonLineError, ndjsonBatches } from './ndjson-lines';
import { verifyStoredParquet } from './parquet-upload';
import { type PartitionedParquetOptions, PartitionedParquetWriter } from './partitioned-parquet';

export interface ConvertDeps {
  store: ObjectStore;
  queue: MessageQueue;
  config: Pick<Config, 'curatedBucket' | 'loadQueueUrl' | 'loadMessageGroup'> &
    Partial<Pick<Config, 'parquet'>>;
  log: Logger;
  /** Memory bounds beyond the configured row group and file sizes (tests make them small). */
  limits?: Partial<
    Pick<
      PartitionedParquetOptions,
      'maxBufferedRows' | 'maxOpenFiles' | 'maxRowGroupsPerFile' | 'maxHeldRowGroups'
    >
  >;
  /**
   * Local folder where rows of dates beyond `maxOpenFiles` wait for their turn (see DateSpill);
   * default the OS's (/tmp in Lambda).
   */
  tmpDir?: string;
}

/** Defaults sized for a 1 GB Lambda: see bench/README.md for the measurements behind them. */
export const CONVERT_DEFAULTS = {
  rowGroupRows: 32_768,
  targetFileBytes: 128 * 1024 * 1024,
  /**
   * Rows buffered across all partitions, in row groups: one. Rows of many dates interleaved then
   * make shorter row groups (files ~2 % bigger at 7 dates) rather than more memory.
   */
  bufferedRowGroups: 1,
  /**
   * Row groups a file holds at most: its footer metadata (~23 KB a row group) stays in memory until
   * the file is finished. 96 full row groups (~150 MB) pass the target size first; only short row
   * groups (many dates interleaved) meet this limit.
   */
  maxRowGroupsPerFile: 96,
  /**
   * Row groups held across all open files: ~4.4 MB of footer metadata at most, whatever the number
   * of dates. One date's file meets the target size first; 7 interleaved dates (short row groups)
   * finish files earlier (~16 MB each at 10M lines), so memory stops growing with the input
   * (bench/README.md).
   */
  maxHeldRowGroups: 192,
  /**
   * Open multipart uploads: each may hold a 5 MB part being filled and one in flight. Also the dates
   * written at once: rows of further dates wait on local disk for a later phase (DateSpill), so a
   * date's files are as few as if it came alone.
   */
  maxOpenFiles: 8,
} as const;

const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

type EnrichedFile = EnrichedManifest['files'][number];

/**
 * Convert one enriched batch to Snappy Parquet, streaming: order lines partitioned by order date
 * (`curated/order_lines/order_date=D/<batch>-part-N.parquet`), customers, products and rejects one
 * folder each, files rolled at the target size. Memory is bounded by the row-group buffers, never
 * the input. Every file is read back (bytes, checksum, footer rows and schema) before the manifest
 * is written; then one message goes to the FIFO load queue (deduplicated by batch id), unless the
 * batch held no rows at all: then the manifest lists nothing and no load is queued.
 */
export async function runConvert(deps: ConvertDeps, enriched: ObjectRef): Promise<CuratedManifest> {
  const manifest = await readManifest(deps.store, enriched.bucket, enriched.key, enrichedManifestSchema);
  const batchId = manifest.batch_id;
  const log = deps.log.child({ source: manifest.source, batchId, key: enriched.key });
  const bucket = deps.config.curatedBucket;
  const parquet = deps.config.parquet ?? CONVERT_DEFAULTS;
  const options: PartitionedParquetOptions = {
    rowGroupRows: parquet.rowGroupRows,
    targetFileBytes: parquet.targetFileBytes,
    maxBufferedRows:
      deps.limits?.maxBufferedRows ?? parquet.rowGroupRows * CONVERT_DEFAULTS.bufferedRowGroups,
    maxOpenFiles: deps.limits?.maxOpenFiles ?? CONVERT_DEFAULTS.maxOpenFiles,
    maxRowGroupsPerFile: deps.limits?.maxRowGroupsPerFile ?? CONVERT_DEFAULTS.maxRowGroupsPerFile,
    maxHeldRowGroups: deps.limits?.maxHeldRowGroups ?? CONVERT_DEFAULTS.maxHeldRowGroups,
  };

  const files: CuratedManifest['files'] = [];
  const rows: Record<string, number> = {};
  for (const file of manifest.files) {
    const written = await convertFile(deps, enriched.bucket, file, batchId, options, log);
    rows[file.table] = (rows[file.table] ?? 0) + file.rows;
    files.push(...written);
  }

  const curated: CuratedManifest = {
    stage: 'convert',
    batch_id: batchId,
    upstream_manifest: `s3://${enriched.bucket}/${enriched.key}`,
    files,
    rows,
  };
  const manifestKey = curatedManifestKey(batchId);
  await deps.store.put(bucket, manifestKey, JSON.stringify(curated, null, 2), 'application/json');
  log.info('batch converted', { files: files.length, rows, bytes: files.reduce((n, f) => n + f.bytes, 0) });

  if (files.length === 0) {
    log.info('batch is empty; no load queued');
    return curated;
  }
  if (!deps.config.loadQueueUrl) throw new ConfigError('LOAD_QUEUE_URL is required by convert');
  const message: LoadMessage = { batchId, bucket, manifestKey };
  await deps.queue.send(deps.config.loadQueueUrl, message, {
    groupId: deps.config.loadMessageGroup,
    deduplicationId: batchId,
  });
  log.info('load message sent', { manifestKey });
  return curated;
}

/**
 * Stream one enriched NDJSON file into Parquet. The input is checked against its manifest entry
 * (checksum and row count) as it is read; a file that fails leaves no manifest behind it. Order
 * lines of more dates than `maxOpenFiles` are written in several phases: the first dates' rows as
 * they come, the others' from local disk once the input has been read and checked (DateSpill).
 */
async function convertFile(
  deps: ConvertDeps,
  sourceBucket: string,
  file: EnrichedFile,
  batchId: string,
  options: PartitionedParquetOptions,
  log: Logger,
): Promise<CuratedManifest['files']> {
  const columns = TABLE_COLUMNS[file.table];
  const bucket = deps.config.curatedBucket;
  const partitioned = file.table === CURATED_TABLE.orderLines;
  const out = new PartitionedParquetWriter(
    deps.store,
    bucket,
    file.table,
    batchId,
    columns,
    options,
    (written) => verifyStoredParquet(deps.store, bucket, written, columns),
  );
  const reader = ndjsonBatches(await deps.store.getStream(sourceBucket, file.key));
  const spill = partitioned
    ? new DateSpill(
        deps.tmpDir ?? tmpdir(),
        options.maxOpenFiles,
        `order lines of s3://${sourceBucket}/${file.key}`,
      )
    : undefined;
  let line = 0;
  /** Row `line` to the writer, or to the spill when its date is not live in this phase. */
  const write = async (row: object): Promise<void> => {
    if (!spill) return out.add(undefined, row);
    const date = orderDateOf(row, file.key, line);
    if (spill.admits(date)) await out.add(date, row);
    else await spill.add(line, date, row);
  };
  try {
    for await (const batch of reader.batches) {
      for (const row of batch) {
        line += 1;
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          throw new ManifestMismatchError(`${file.key}: row ${line} is not an object`, file.key);
        await write(row);
      }
    }
    const read = reader.summary();
    if (read.sha256 !== file.sha256)
      throw new ManifestMismatchError(
        `s3://${sourceBucket}/${file.key} does not match its manifest checksum`,
        file.key,
      );
    if (read.records !== file.rows)
      throw new ManifestMismatchError(
        `${file.key} holds ${read.records} rows, manifest says ${file.rows}`,
        file.key,
      );
    if (spill) {
      for await (const phase of spill.phases(log)) {
        // The dates of the phase before are complete: their files are finished first.
        await out.finish();
        for await (const rows of phase) {
          for (const [at, row] of rows) {
            line = at;
            await write(row);
          }
        }
      }
    }
    const written = await out.finish();
    return written.map(({ key, bytes, sha256, rows, partition }) => ({
      key,
      bytes,
      sha256,
      table: file.table,
      rows,
      ...(partition ? { order_date: partition } : {}),
    }));
  } catch (error) {
    const failure = describe(error, file.key, line);
    out.abort(failure);
    throw failure;
  } finally {
    await spill?.close();
  }
}

/** The partition of an order line: its order date, checked before it becomes part of a key. */
function orderDateOf(row: object, key: string, line: number): string {
  const value = (row as { order_date?: unknown }).order_date;
  if (typeof value !== 'string' || !DATE_TEXT.test(value))
    throw new ManifestMismatchError(
      `${key}: row ${line} has no valid order_date (${JSON.stringify(value)})`,
      key,
    );
  return value;
}

/** Input problems become ManifestMismatchErrors naming the file and row; others pass through. */
function describe(error: unknown, key: string, line: number): Error {
  if (error instanceof ParquetValueError)
    return new ManifestMismatchError(`${key}: row ${line}: ${error.message}`, key, { cause: error });
  if (error instanceof NdjsonLineError)
    return new ManifestMismatchError(`${key}: ${error.message}`, key, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
