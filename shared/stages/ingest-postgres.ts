import { getTextIfExists, type ObjectStore } from '../adapters/object-store';
import type { ShopDatabase } from '../adapters/shop-database';
import { sha256Hex } from '../checksum';
import type { Config } from '../config';
import {
  batchIdForRun,
  manifestKeyIn,
  rawPageKey,
  rawRunPrefix,
  runIdFromTime,
  utcDate,
} from '../domain/layout';
import { type RawManifest, rawManifestSchema } from '../domain/manifest';
import { POSTGRES_SOURCE_NAME } from '../domain/sources';
import type { PostgresPart } from '../domain/sources/postgres';
import {
  advanceWatermarks,
  laterOf,
  NO_WATERMARKS,
  WATERMARK_ENTITIES,
  type WatermarkState,
  type Watermarks,
  watermarkKey,
  watermarkStateSchema,
} from '../domain/watermark';
import { ConfigError, ManifestMismatchError } from '../errors';
import type { Logger } from '../logger';

export interface IngestPostgresDeps {
  store: ObjectStore;
  config: Pick<Config, 'rawBucket' | 'postgres'>;
  /** Opens one connection to the shop database (the Runtime's, from the configured secret). */
  shopDatabase?: () => Promise<ShopDatabase>;
  log: Logger;
  now?: () => Date;
}

/**
 * One incremental run of the PostgreSQL source: read customers, products and orders (each with all
 * of its items) changed since the stored watermark less the overlap window, in one consistent
 * snapshot, through server-side cursors; write them as raw parts (`POSTGRES_BATCH_ROWS` rows each),
 * then the run's `_manifest.json` (the commit: it records the watermark it reached), then the
 * watermark file. Enrich, convert and load take it from there as they do an API run.
 *
 * - A run that fails before its manifest leaves the watermark where it was: the next run reads the
 *   same rows again (its raw parts, listed by no manifest, are never read).
 * - The run id derives from the schedule time. A retried run whose manifest is already there was
 *   committed: it is not extracted again (a second extraction under the same batch id would be
 *   skipped by the loader); its watermark is committed if the first attempt died before doing so.
 * - The watermark only moves forward, and only to `updated_at` values this run read.
 */
export async function runIngestPostgres(
  deps: IngestPostgresDeps,
  request: { source: string; scheduledTime: Date },
): Promise<RawManifest> {
  if (request.source !== POSTGRES_SOURCE_NAME) {
    throw new ConfigError(`source "${request.source}" is not the PostgreSQL source`);
  }
  if (!deps.shopDatabase) throw new ConfigError('this function was built without the PostgreSQL adapter');
  const source = request.source;
  const runId = runIdFromTime(request.scheduledTime);
  const ingestDate = utcDate(request.scheduledTime);
  const prefix = rawRunPrefix(source, ingestDate, runId);
  const manifestKey = manifestKeyIn(prefix);
  const bucket = deps.config.rawBucket;
  const settings = deps.config.postgres;
  const log = deps.log.child({ source, runId, batchId: batchIdForRun(source, runId) });

  const committed = await readCommittedRun(deps.store, bucket, manifestKey);
  if (committed) {
    log.info('run already committed; not extracted again', { key: manifestKey });
    if (committed.watermark) await commitWatermark(deps, source, committed, manifestKey, log);
    return committed;
  }

  const ingestedAt = (deps.now ?? (() => new Date()))().toISOString();
  const previous = (await readWatermark(deps.store, bucket, source))?.watermarks ?? NO_WATERMARKS;
  const database = await deps.shopDatabase();
  const files: RawManifest['files'] = [];
  const totals: Record<string, number> = {};
  const seen: Watermarks = { ...NO_WATERMARKS };
  const from: Record<string, string | null> = {};
  try {
    await database.snapshot(async (reader) => {
      for (const entity of WATERMARK_ENTITIES) {
        const window = { watermark: previous[entity], overlapSeconds: settings.overlapSeconds };
        const since = await reader.lowerBound(window);
        from[entity] = since;
        const url = `${database.location}/${entity}${since ? `?changed_since=${since}` : ''}`;
        let writing: Promise<void> | undefined;
        totals[entity] = 0;
        for await (const rows of reader.changes(entity, window, settings.batchRows)) {
          const part: PostgresPart = { source_file: url, entity, changed_since: since, records: rows };
          const body = JSON.stringify(part);
          const key = rawPageKey(prefix, entity, files.filter((f) => f.entity === entity).length + 1);
          files.push({
            key,
            entity,
            records: rows.length,
            url,
            bytes: Buffer.byteLength(body),
            sha256: sha256Hex(body),
          });
          totals[entity] += rows.length;
          for (const row of rows) seen[entity] = laterOf(seen[entity], row.changed_at);
          // One put in flight while the cursor reads the next rows.
          if (writing) await writing;
          writing = deps.store.put(bucket, key, body, 'application/json');
          writing.catch(() => undefined);
        }
        await writing;
        log.info('entity extracted', {
          entity,
          since,
          rows: totals[entity],
          parts: files.filter((f) => f.entity === entity).length,
        });
      }
    });
  } finally {
    await database.close();
  }

  const manifest: RawManifest = {
    stage: 'ingest',
    source,
    run_id: runId,
    ingest_date: ingestDate,
    scheduled_time: request.scheduledTime.toISOString(),
    ingested_at: ingestedAt,
    files,
    totals,
    watermark: {
      overlap_seconds: settings.overlapSeconds,
      from,
      to: advanceWatermarks(previous, seen),
    },
  };
  await deps.store.put(bucket, manifestKey, JSON.stringify(manifest, null, 2), 'application/json');
  log.info('raw manifest written', { key: manifestKey, files: files.length, totals });
  await commitWatermark(deps, source, manifest, manifestKey, log);
  return manifest;
}

/** The source's committed watermark, or undefined before its first run. */
export async function readWatermark(
  store: ObjectStore,
  bucket: string,
  source: string,
): Promise<WatermarkState | undefined> {
  const key = watermarkKey(source);
  const text = await getTextIfExists(store, bucket, key);
  if (text === undefined) return undefined;
  try {
    return watermarkStateSchema.parse(JSON.parse(text));
  } catch (error) {
    // Never guessed past: a bad watermark could skip rows. Fix or delete the file (a full re-read).
    throw new ManifestMismatchError(`${key} is not a watermark state: ${(error as Error).message}`, key, {
      cause: error,
    });
  }
}

/** The run's manifest when the run was committed already, else undefined. */
async function readCommittedRun(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<RawManifest | undefined> {
  const text = await getTextIfExists(store, bucket, key);
  if (text === undefined) return undefined;
  const parsed = rawManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ManifestMismatchError(`${key} is not a raw manifest`, key);
  return parsed.data;
}

/**
 * Write the watermark a committed manifest reached. Re-read first: a run that committed meanwhile
 * (two runs at once) may be ahead, and the watermark never moves back.
 */
async function commitWatermark(
  deps: IngestPostgresDeps,
  source: string,
  manifest: RawManifest,
  manifestKey: string,
  log: Logger,
): Promise<void> {
  const bucket = deps.config.rawBucket;
  const reached = manifest.watermark?.to ?? {};
  const current = (await readWatermark(deps.store, bucket, source))?.watermarks ?? NO_WATERMARKS;
  const watermarks = advanceWatermarks(current, {
    customers: reached.customers ?? null,
    products: reached.products ?? null,
    orders: reached.orders ?? null,
  });
  const state: WatermarkState = {
    source,
    watermarks,
    run_id: manifest.run_id,
    manifest_key: manifestKey,
    committed_at: (deps.now ?? (() => new Date()))().toISOString(),
  };
  await deps.store.put(bucket, watermarkKey(source), JSON.stringify(state, null, 2), 'application/json');
  log.info('watermark committed', { watermarks });
}
