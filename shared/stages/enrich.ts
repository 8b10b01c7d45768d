import { tmpdir } from 'node:os';
import type { ObjectStore } from '../adapters/object-store';
import { sha256Hex } from '../checksum';
import type { Config } from '../config';
import { CURATED_TABLE } from '../constants';
import { BoundedDuplicates } from '../domain/duplicate-index';
import { BatchEnricher, conserves, duplicateKeysOf, OutcomeTally } from '../domain/enrich';
import { snapshotSequence } from '../domain/known-dimensions';
import {
  batchIdForRun,
  enrichedFileKey,
  enrichedPrefix,
  inputTagOf,
  manifestKeyIn,
  rejectsKey,
} from '../domain/layout';
import { type EnrichedManifest, type RawManifest, rawManifestSchema } from '../domain/manifest';
import { toNdjson } from '../domain/ndjson';
import type { ObjectRef } from '../domain/s3-notification';
import { type Entity, type SourceDefinition, sourceNamed } from '../domain/sources';
import { ConservationError, ManifestMismatchError } from '../errors';
import type { Logger } from '../logger';
import { DuplicateSpill } from './duplicate-spill';
import { readKnownDimensions, writeKnownDimensions } from './known-dimensions-io';
import { readListedFile, readManifest, writeListedFile } from './manifest-io';
import { NdjsonUpload } from './ndjson-upload';

export interface EnrichDeps {
  store: ObjectStore;
  config: Pick<Config, 'rawBucket' | 'costModel'> & Partial<Pick<Config, 'duplicateIndexBytes'>>;
  log: Logger;
  /** The source of a name; default: the registered sources (tests inject their own). */
  sourceNamed?: (name: string) => SourceDefinition | undefined;
  /** Local folder the duplicate index spills to past its memory budget; default the OS's (/tmp in Lambda). */
  tmpDir?: string;
}

/** The in-batch duplicate index's memory budget (~500k keys); see bench/README.md. */
export const ENRICH_DEFAULTS = { duplicateIndexBytes: 16 * 1024 * 1024 } as const;

type RawFile = RawManifest['files'][number];

const DIMENSION_ENTITIES: readonly string[] = ['customers', 'products'];

/**
 * Enrich one raw run, streaming: the run's customers and products (and the dimensions known from
 * the source's earlier batches) are held in memory, the in-batch duplicate index up to
 * `duplicateIndexBytes` (past it, the rest is decided on local disk: spillDuplicates); its order
 * lines are read a page at a time,
 * joined, priced and validated, and written as they come to `order_lines-<tag>.ndjson` and
 * `rejects-<tag>.ndjson` (the tag is a hash of the input, see enrichedFileKey). Then the dimension files and the known-dimensions snapshot, a conservation
 * check (rows_in = clean + rejected + duplicates, from independent counts), and the enriched
 * `_manifest.json` last; a batch that does not conserve fails loudly and writes no manifest.
 * Deterministic in its input, so a replayed event rewrites the same keys with the same bytes.
 */
export async function runEnrich(deps: EnrichDeps, raw: ObjectRef): Promise<EnrichedManifest> {
  const manifest = await readManifest(deps.store, raw.bucket, raw.key, rawManifestSchema);
  const source = (deps.sourceNamed ?? sourceNamed)(manifest.source);
  if (!source) throw new ManifestMismatchError(`manifest names unknown source "${manifest.source}"`, raw.key);
  const unknownEntity = manifest.files.find(
    (f) => !DIMENSION_ENTITIES.includes(f.entity) && f.entity !== 'orders',
  );
  if (unknownEntity) {
    throw new ManifestMismatchError(`unknown entity "${unknownEntity.entity}" in manifest`, raw.key);
  }
  const batchId = batchIdForRun(source.name, manifest.run_id);
  const sequence = snapshotSequence(manifest.ingested_at, batchId);
  const log = deps.log.child({ source: source.name, batchId, key: raw.key });
  const bucket = deps.config.rawBucket;

  const previous = await readKnownDimensions(deps.store, bucket, source.name, sequence);
  const duplicates = new BoundedDuplicates(
    deps.config.duplicateIndexBytes ?? ENRICH_DEFAULTS.duplicateIndexBytes,
  );
  const enricher = new BatchEnricher(
    { source: source.name, batchId, ingestedAt: manifest.ingested_at, costModel: deps.config.costModel },
    previous.known,
    duplicates,
  );
  const prefix = enrichedPrefix(source.name, manifest.ingest_date, batchId);
  // Data files are named for this attempt's input (the raw manifest and the snapshot it joins
  // against): concurrent attempts on different inputs never overwrite each other's files.
  const inputTag = inputTagOf(sha256Hex(JSON.stringify({ raw: manifest, dims: previous.marker })));
  const linesOut = new NdjsonUpload(deps.store, bucket, enrichedFileKey(prefix, 'order_lines', inputTag));
  const rejectsOut = new NdjsonUpload(
    deps.store,
    bucket,
    rejectsKey(source.name, manifest.ingest_date, batchId, inputTag),
  );
  // Sources that extract orders whole also list the orders the batch carries (see load's replace).
  const snapshotsOut = source.mapOrderSnapshot
    ? new NdjsonUpload(deps.store, bucket, enrichedFileKey(prefix, 'orders', inputTag))
    : undefined;
  const tally = new OutcomeTally();
  let rowsIn = 0;
  let dimensionRejects = 0;
  try {
    // Dimensions first, whatever the manifest's order: every line must see all of them.
    for (const file of manifest.files.filter((f) => DIMENSION_ENTITIES.includes(f.entity))) {
      const sourceFile = sourceFileOf(raw.bucket, file);
      for (const record of await recordsOf(deps.store, raw.bucket, source, file)) {
        const reject =
          file.entity === 'customers'
            ? enricher.addCustomer({ record: source.mapCustomer(record), sourceFile })
            : enricher.addProduct({ record: source.mapProduct(record), sourceFile });
        if (reject) {
          dimensionRejects += 1;
          await rejectsOut.write(reject);
        }
      }
    }
    const orderFiles = manifest.files.filter((f) => f.entity === 'orders');
    for (const [index, file] of orderFiles.entries()) {
      const sourceFile = sourceFileOf(raw.bucket, file);
      const fileStart = rowsIn;
      for (const record of await recordsOf(deps.store, raw.bucket, source, file)) {
        const snapshot = source.mapOrderSnapshot && enricher.orderSnapshot(source.mapOrderSnapshot(record));
        if (snapshot) await snapshotsOut?.write(snapshot);
        for (const line of source.mapOrder(record)) {
          rowsIn += 1;
          const outcome = enricher.enrichLine({ record: line, sourceFile });
          tally.count(outcome);
          if (outcome.kind === 'clean') await linesOut.write(outcome.row);
          else await rejectsOut.write(outcome.reject);
          if (duplicates.overBudget) {
            const ahead = { files: orderFiles.slice(index), firstLine: fileStart, from: rowsIn };
            await spillDuplicates(deps, raw.bucket, source, ahead, duplicates, log);
          }
        }
      }
    }
  } catch (error) {
    linesOut.abort(error as Error);
    rejectsOut.abort(error as Error);
    snapshotsOut?.abort(error as Error);
    throw error;
  }
  const [lines, rejects, snapshots] = await Promise.all([
    linesOut.end(),
    rejectsOut.end(),
    snapshotsOut?.end(),
  ]);

  const conservation = {
    rows_in: rowsIn,
    clean: lines.rows,
    rejected: tally.rejected,
    duplicates: tally.duplicates,
  };
  const rejectRows = tally.rejected + tally.duplicates + dimensionRejects;
  if (!conserves(conservation) || lines.rows !== tally.clean || rejects.rows !== rejectRows) {
    throw new ConservationError(
      `batch ${batchId} does not conserve rows: ${JSON.stringify(conservation)}; ` +
        `${lines.rows} order lines and ${rejects.rows} rejects written, ${tally.clean} clean and ${rejectRows} rejects counted`,
    );
  }

  const dimensions = enricher.dimensions();
  const writeRows = async (key: string, rows: readonly unknown[]) => ({
    ...(await writeListedFile(deps.store, bucket, key, toNdjson(rows), 'application/x-ndjson')),
    rows: rows.length,
  });
  const customers = await writeRows(enrichedFileKey(prefix, 'customers', inputTag), dimensions.customers);
  const products = await writeRows(enrichedFileKey(prefix, 'products', inputTag), dimensions.products);
  const snapshot = await writeKnownDimensions(deps.store, bucket, {
    source: source.name,
    batchId,
    sequence,
    basedOn: previous.marker,
    known: enricher.knownAfter(),
  });

  const enriched: EnrichedManifest = {
    stage: 'enrich',
    source: source.name,
    batch_id: batchId,
    upstream_manifest: `s3://${raw.bucket}/${raw.key}`,
    ingest_date: manifest.ingest_date,
    ingested_at: manifest.ingested_at,
    files: [
      { ...lines, table: CURATED_TABLE.orderLines },
      { ...customers, table: CURATED_TABLE.customers },
      { ...products, table: CURATED_TABLE.products },
      { ...rejects, table: CURATED_TABLE.rejects },
      ...(snapshots ? [{ ...snapshots, table: CURATED_TABLE.orders }] : []),
    ],
    order_lines: conservation,
    rejects_by_reason: tally.byReason,
    dims_snapshot: { read: previous.marker, written: snapshot },
  };
  await deps.store.put(bucket, manifestKeyIn(prefix), JSON.stringify(enriched, null, 2), 'application/json');
  log.info('batch enriched', {
    ...conservation,
    rejectsByReason: tally.byReason,
    dimensionRejects,
    dimsSnapshotRead: previous.marker,
  });
  return enriched;
}

/**
 * The duplicate index outgrew its memory at line `from` (0-based, lines before it are decided):
 * read the order files from the one holding that line again (`firstLine` is its first line), give
 * every line's keys from `from` on to a DuplicateSpill on local disk, and answer those lines from
 * the marks it decides. Exact: the same first-wins answers the in-memory index would give.
 */
async function spillDuplicates(
  deps: EnrichDeps,
  bucket: string,
  source: SourceDefinition,
  ahead: { files: RawFile[]; firstLine: number; from: number },
  duplicates: BoundedDuplicates,
  log: Logger,
): Promise<void> {
  const started = performance.now();
  const { from } = ahead;
  const spill = await DuplicateSpill.open(
    deps.tmpDir ?? tmpdir(),
    duplicates.takeMemory(),
    from,
    duplicates.budgetBytes,
  );
  try {
    let seq = ahead.firstLine;
    for (const file of ahead.files) {
      for (const record of await recordsOf(deps.store, bucket, source, file)) {
        for (const line of source.mapOrder(record)) {
          if (seq >= from) spill.add(seq, duplicateKeysOf(line));
          seq += 1;
        }
      }
    }
    const marks = await spill.decide();
    duplicates.useMarks(marks);
    log.info('duplicate index spilled to disk', {
      fromLine: from,
      lines: seq - from,
      keys: spill.keys,
      spillBytes: spill.bytes,
      duplicatesAhead: marks.count,
      ms: Math.round(performance.now() - started),
    });
  } finally {
    await spill.close();
  }
}

/** Where a raw file's records came from: the API URL of the page, or the dropped file. */
function sourceFileOf(bucket: string, file: RawFile): string {
  return file.url || `s3://${bucket}/${file.key}`;
}

/** The records of one raw file, checked against the manifest (checksum and count). */
async function recordsOf(
  store: ObjectStore,
  bucket: string,
  source: SourceDefinition,
  file: RawFile,
): Promise<unknown[]> {
  const body = await readListedFile(store, bucket, file);
  let records: unknown[];
  try {
    records = source.recordsOf(file.entity as Entity, JSON.parse(new TextDecoder().decode(body))).records;
  } catch (error) {
    throw new ManifestMismatchError(
      `${file.key} is not a ${source.name} ${file.entity} page: ${(error as Error).message}`,
      file.key,
      { cause: error },
    );
  }
  if (records.length !== file.records) {
    throw new ManifestMismatchError(
      `${file.key} holds ${records.length} records, manifest says ${file.records}`,
      file.key,
    );
  }
  return records;
}
