import type { ObjectStore } from '../adapters/object-store';
import type { Config } from '../config';
import { CURATED_TABLE } from '../constants';
import { conserves, enrichBatch, type Sourced } from '../domain/enrich';
import { batchIdForRun, enrichedPrefix, manifestKeyIn, rejectsKey } from '../domain/layout';
import { type EnrichedManifest, rawManifestSchema } from '../domain/manifest';
import { toNdjson } from '../domain/ndjson';
import type { ObjectRef } from '../domain/s3-notification';
import {
  type Entity,
  type SourceCustomer,
  type SourceOrderLine,
  type SourceProduct,
  sourceNamed,
} from '../domain/sources';
import { ConservationError, ManifestMismatchError } from '../errors';
import type { Logger } from '../logger';
import { readListedFile, readManifest, writeListedFile } from './manifest-io';

export interface EnrichDeps {
  store: ObjectStore;
  config: Pick<Config, 'rawBucket' | 'costModel'>;
  log: Logger;
}

/**
 * Enrich one raw run: join its order lines with its customers and products, price them, split
 * clean rows from rejects, and write NDJSON for each table, then the enriched `_manifest.json`
 * last. Deterministic in its input, so a replayed event rewrites the same keys.
 */
export async function runEnrich(deps: EnrichDeps, raw: ObjectRef): Promise<EnrichedManifest> {
  const manifest = await readManifest(deps.store, raw.bucket, raw.key, rawManifestSchema);
  const source = sourceNamed(manifest.source);
  if (!source) throw new ManifestMismatchError(`manifest names unknown source "${manifest.source}"`, raw.key);
  const batchId = batchIdForRun(source.name, manifest.run_id);
  const log = deps.log.child({ source: source.name, batchId, key: raw.key });

  const customers: Sourced<SourceCustomer>[] = [];
  const products: Sourced<SourceProduct>[] = [];
  const lines: Sourced<SourceOrderLine>[] = [];
  for (const file of manifest.files) {
    const body = JSON.parse(
      new TextDecoder().decode(await readListedFile(deps.store, raw.bucket, file)),
    ) as unknown;
    const { records } = source.recordsOf(file.entity as Entity, body);
    if (records.length !== file.records) {
      throw new ManifestMismatchError(
        `${file.key} holds ${records.length} records, manifest says ${file.records}`,
        file.key,
      );
    }
    const sourceFile = `s3://${raw.bucket}/${file.key}`;
    for (const record of records) {
      if (file.entity === 'customers') customers.push({ record: source.mapCustomer(record), sourceFile });
      else if (file.entity === 'products') products.push({ record: source.mapProduct(record), sourceFile });
      else if (file.entity === 'orders')
        for (const line of source.mapOrder(record)) lines.push({ record: line, sourceFile });
      else throw new ManifestMismatchError(`unknown entity "${file.entity}" in manifest`, raw.key);
    }
  }

  const result = enrichBatch({
    source: source.name,
    batchId,
    ingestedAt: manifest.ingested_at,
    costModel: deps.config.costModel,
    customers,
    products,
    lines,
  });
  if (!conserves(result.conservation)) {
    throw new ConservationError(
      `batch ${batchId} does not conserve rows: ${JSON.stringify(result.conservation)}`,
    );
  }

  const bucket = deps.config.rawBucket;
  const prefix = enrichedPrefix(source.name, manifest.ingest_date, batchId);
  const outputs = [
    { table: CURATED_TABLE.orderLines, key: `${prefix}order_lines.ndjson`, rows: result.orderLines },
    { table: CURATED_TABLE.customers, key: `${prefix}customers.ndjson`, rows: result.customers },
    { table: CURATED_TABLE.products, key: `${prefix}products.ndjson`, rows: result.products },
    {
      table: CURATED_TABLE.rejects,
      key: rejectsKey(source.name, manifest.ingest_date, batchId),
      rows: result.rejects,
    },
  ];
  const files: EnrichedManifest['files'] = [];
  for (const output of outputs) {
    const written = await writeListedFile(
      deps.store,
      bucket,
      output.key,
      toNdjson(output.rows),
      'application/x-ndjson',
    );
    files.push({ ...written, table: output.table, rows: output.rows.length });
  }
  const enriched: EnrichedManifest = {
    stage: 'enrich',
    source: source.name,
    batch_id: batchId,
    upstream_manifest: `s3://${raw.bucket}/${raw.key}`,
    ingest_date: manifest.ingest_date,
    ingested_at: manifest.ingested_at,
    files,
    order_lines: result.conservation,
    rejects_by_reason: result.rejectsByReason,
  };
  await deps.store.put(bucket, manifestKeyIn(prefix), JSON.stringify(enriched, null, 2), 'application/json');
  log.info('batch enriched', { ...result.conservation, rejectsByReason: result.rejectsByReason });
  return enriched;
}
