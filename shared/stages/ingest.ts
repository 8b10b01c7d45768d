import type { ObjectStore } from '../adapters/object-store';
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
import type { RawManifest } from '../domain/manifest';
import { type Entity, type SourceDefinition, sourceNamed } from '../domain/sources';
import { ConfigError, SourceSchemaError } from '../errors';
import type { Logger } from '../logger';
import { runIngestPostgres } from './ingest-postgres';

export interface IngestDeps {
  store: ObjectStore;
  /** `sources`: base URL by source name (the config's, or a subset of it in tests). */
  config: Pick<Config, 'rawBucket' | 'pageSize'> &
    Partial<Pick<Config, 'postgres'>> & {
      sources: Readonly<Record<string, { baseUrl: string } | undefined>>;
    };
  /** GET a JSON document (with timeouts and retries). */
  getJson: (url: string) => Promise<unknown>;
  log: Logger;
  now?: () => Date;
  /** Opens the shop database, for database sources (the Runtime's; absent in functions without it). */
  shopDatabase?: () => Promise<ShopDatabase>;
}

export interface IngestRequest {
  source: string;
  /** The schedule time: it names the run, so a retried invocation overwrites its own output. */
  scheduledTime: Date;
}

const ENTITIES: Entity[] = ['customers', 'products', 'orders'];

/**
 * Extract every page of every entity of an API source into the raw zone, then write the run's
 * `_manifest.json` last. A page that fails validation fails the run before the manifest, so
 * nothing half-done reaches enrich. A database source's run is an incremental extraction instead
 * (see runIngestPostgres).
 */
export async function runIngest(deps: IngestDeps, request: IngestRequest): Promise<RawManifest> {
  const source = sourceNamed(request.source);
  if (source?.kind === 'database') {
    if (!deps.config.postgres) throw new ConfigError('no PostgreSQL configuration given');
    return runIngestPostgres(
      { ...deps, config: { ...deps.config, postgres: deps.config.postgres } },
      request,
    );
  }
  const baseUrl = Object.hasOwn(deps.config.sources, request.source)
    ? deps.config.sources[request.source]?.baseUrl
    : undefined;
  if (!source || !baseUrl) throw new ConfigError(`unknown or unconfigured source "${request.source}"`);
  const runId = runIdFromTime(request.scheduledTime);
  const ingestDate = utcDate(request.scheduledTime);
  const prefix = rawRunPrefix(source.name, ingestDate, runId);
  const ingestedAt = (deps.now ?? (() => new Date()))().toISOString();
  const log = deps.log.child({ source: source.name, runId, batchId: batchIdForRun(source.name, runId) });

  const files: RawManifest['files'] = [];
  const totals: Record<string, number> = {};
  for (const entity of ENTITIES) {
    let page = 0;
    for await (const fetched of fetchPages(source, baseUrl, entity, deps)) {
      page += 1;
      const key = rawPageKey(prefix, entity, page);
      const body = JSON.stringify(fetched.body);
      await deps.store.put(deps.config.rawBucket, key, body, 'application/json');
      files.push({
        key,
        entity,
        records: fetched.records,
        url: fetched.url,
        bytes: Buffer.byteLength(body),
        sha256: sha256Hex(body),
      });
      totals[entity] = (totals[entity] ?? 0) + fetched.records;
    }
    log.info('entity extracted', { entity, pages: page, records: totals[entity] ?? 0 });
  }

  const manifest: RawManifest = {
    stage: 'ingest',
    source: source.name,
    run_id: runId,
    ingest_date: ingestDate,
    scheduled_time: request.scheduledTime.toISOString(),
    ingested_at: ingestedAt,
    files,
    totals,
  };
  await deps.store.put(
    deps.config.rawBucket,
    manifestKeyIn(prefix),
    JSON.stringify(manifest, null, 2),
    'application/json',
  );
  log.info('raw manifest written', { key: manifestKeyIn(prefix), files: files.length, totals });
  return manifest;
}

/**
 * The pages of one entity, checked for shape, for DummyJSON paging consistency (skip, count and
 * total as requested) and for overlap (a record id seen on an earlier page of the run).
 */
async function* fetchPages(
  source: SourceDefinition,
  baseUrl: string,
  entity: Entity,
  deps: IngestDeps,
): AsyncGenerator<{ url: string; body: unknown; records: number }> {
  const path = source.paths[entity];
  if (source.paging === 'none') {
    const url = `${baseUrl}${path}`;
    const body = await deps.getJson(url);
    yield { url, body, records: recordsOf(source, entity, body, url).records.length };
    return;
  }
  const limit = deps.config.pageSize;
  let skip = 0;
  let expectedTotal: number | undefined;
  const seenIds = new Set<string>();
  for (;;) {
    const url = `${baseUrl}${path}?limit=${limit}&skip=${skip}`;
    const body = await deps.getJson(url);
    const page = recordsOf(source, entity, body, url);
    const total = page.total ?? 0;
    expectedTotal ??= total;
    const expected = Math.max(0, Math.min(limit, total - skip));
    if (total !== expectedTotal || (page.skip ?? skip) !== skip || page.records.length !== expected) {
      throw new SourceSchemaError(
        `${url}: inconsistent page (skip ${page.skip}, ${page.records.length} records, total ${total}; expected skip ${skip}, ${expected} records, total ${expectedTotal})`,
        url,
      );
    }
    checkNoOverlap(page.records, seenIds, url);
    if (page.records.length > 0 || skip === 0) yield { url, body, records: page.records.length };
    skip += page.records.length;
    if (skip >= total || page.records.length === 0) return;
  }
}

/**
 * Throws when a record id of this page was on an earlier page of the entity: the source overlapped
 * its pages (repeats within one page are left to enrich's duplicate rule).
 */
function checkNoOverlap(records: readonly unknown[], earlier: Set<string>, url: string): void {
  const ids: string[] = [];
  for (const record of records) {
    const id = (record as { id?: unknown } | null)?.id;
    if (typeof id !== 'number' && typeof id !== 'string') continue;
    const key = `${typeof id}:${id}`;
    if (earlier.has(key)) {
      throw new SourceSchemaError(
        `${url}: overlapping page: record id ${JSON.stringify(id)} was on an earlier page`,
        url,
      );
    }
    ids.push(key);
  }
  for (const id of ids) earlier.add(id);
}

function recordsOf(source: SourceDefinition, entity: Entity, body: unknown, url: string) {
  try {
    return source.recordsOf(entity, body);
  } catch (error) {
    throw new SourceSchemaError(
      `${url}: response is not a ${source.name} ${entity} page: ${(error as Error).message}`,
      url,
      {
        cause: error,
      },
    );
  }
}
