import type { MessageQueue } from '../adapters/message-queue';
import type { ObjectStore } from '../adapters/object-store';
import { readParquetFooter, writeParquet } from '../adapters/parquet-file';
import type { Config } from '../config';
import { CURATED_TABLE, type CuratedTable } from '../constants';
import { curatedKey, curatedManifestKey } from '../domain/layout';
import { type CuratedManifest, enrichedManifestSchema, type LoadMessage } from '../domain/manifest';
import { parseNdjson } from '../domain/ndjson';
import type { ObjectRef } from '../domain/s3-notification';
import { type ColumnSpec, TABLE_COLUMNS } from '../domain/tables';
import { ConfigError, ManifestMismatchError } from '../errors';
import type { Logger } from '../logger';
import { readListedFile, readManifest, writeListedFile } from './manifest-io';

export interface ConvertDeps {
  store: ObjectStore;
  queue: MessageQueue;
  config: Pick<Config, 'curatedBucket' | 'loadQueueUrl' | 'loadMessageGroup'>;
  log: Logger;
}

type Row = Record<string, unknown>;

/**
 * Convert one enriched batch to Snappy Parquet: order lines partitioned by order date, the
 * dimensions and the rejects one file each. Every file is read back (row count, columns) before
 * the manifest is written; then one message goes to the FIFO load queue (deduplicated by batch id).
 */
export async function runConvert(deps: ConvertDeps, enriched: ObjectRef): Promise<CuratedManifest> {
  const manifest = await readManifest(deps.store, enriched.bucket, enriched.key, enrichedManifestSchema);
  const batchId = manifest.batch_id;
  const log = deps.log.child({ source: manifest.source, batchId, key: enriched.key });
  const bucket = deps.config.curatedBucket;

  const files: CuratedManifest['files'] = [];
  const rows: Record<string, number> = {};
  for (const file of manifest.files) {
    const text = new TextDecoder().decode(await readListedFile(deps.store, enriched.bucket, file));
    const records = parseRows(text, file.key);
    if (records.length !== file.rows) {
      throw new ManifestMismatchError(
        `${file.key} holds ${records.length} rows, manifest says ${file.rows}`,
        file.key,
      );
    }
    rows[file.table] = records.length;
    if (records.length === 0) continue;
    const columns = TABLE_COLUMNS[file.table] as unknown as ColumnSpec<Row>[];
    checkRequired(columns, records, file.key);
    const partitions =
      file.table === CURATED_TABLE.orderLines
        ? groupBy(records, (r) => String(r.order_date))
        : new Map([[undefined, records]]);
    for (const [orderDate, partRows] of partitions) {
      const key = curatedKey(file.table, batchId, 0, orderDate);
      const body = writeParquet(columns, partRows);
      verify(body, columns, partRows.length, key);
      const written = await writeListedFile(deps.store, bucket, key, body, 'application/vnd.apache.parquet');
      files.push({
        ...written,
        table: file.table as CuratedTable,
        rows: partRows.length,
        ...(orderDate ? { order_date: orderDate } : {}),
      });
    }
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
  log.info('batch converted', { files: files.length, rows });

  if (files.length > 0) {
    if (!deps.config.loadQueueUrl) throw new ConfigError('LOAD_QUEUE_URL is required by convert');
    const message: LoadMessage = { batchId, bucket, manifestKey };
    await deps.queue.send(deps.config.loadQueueUrl, message, {
      groupId: deps.config.loadMessageGroup,
      deduplicationId: batchId,
    });
    log.info('load message sent', { manifestKey });
  }
  return curated;
}

function parseRows(text: string, key: string): Row[] {
  try {
    return parseNdjson(text).map((row) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row))
        throw new SyntaxError('a line is not an object');
      return row as Row;
    });
  } catch (error) {
    throw new ManifestMismatchError(`${key}: ${(error as Error).message}`, key, { cause: error });
  }
}

function checkRequired(columns: ColumnSpec<Row>[], records: Row[], key: string): void {
  records.forEach((row, index) => {
    for (const column of columns) {
      const value = column.value(row);
      if (value === undefined || (value === null && !column.nullable)) {
        throw new ManifestMismatchError(
          `${key}: row ${index + 1} has no value for column ${column.name}`,
          key,
        );
      }
    }
  });
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

/** Read the footer back: the file must hold the rows and columns we meant to write. */
function verify(body: Uint8Array, columns: ColumnSpec<Row>[], rowCount: number, key: string): void {
  const footer = readParquetFooter(body);
  const expected = columns.map((c) => c.name);
  if (footer.rows !== rowCount || footer.columns.join(',') !== expected.join(',')) {
    throw new ManifestMismatchError(
      `${key}: written file reads back as ${footer.rows} rows [${footer.columns}]`,
      key,
    );
  }
}
