import type { ObjectStore } from '../adapters/object-store';
import type { LoadOutcome, Warehouse } from '../adapters/warehouse';
import { curatedManifestSchema, type LoadMessage } from '../domain/manifest';
import type { Logger } from '../logger';
import { readManifest } from './manifest-io';

export interface LoadDeps {
  store: ObjectStore;
  warehouse: Warehouse;
  log: Logger;
}

/**
 * Load one curated batch into the warehouse: stage its files, MERGE them into the analytics
 * tables and record the batch in OPS.LOAD_AUDIT, all in one transaction. A batch already in the
 * audit is skipped, so a replayed message changes nothing.
 */
export async function runLoad(deps: LoadDeps, message: LoadMessage): Promise<LoadOutcome> {
  const manifest = await readManifest(deps.store, message.bucket, message.manifestKey, curatedManifestSchema);
  const log = deps.log.child({ batchId: manifest.batch_id, key: message.manifestKey });
  const started = Date.now();
  const outcome = await deps.warehouse.loadBatch({
    batchId: manifest.batch_id,
    bucket: message.bucket,
    manifestKey: message.manifestKey,
    files: manifest.files.map((f) => ({ table: f.table, key: f.key, rows: f.rows })),
  });
  log.info(outcome.status === 'loaded' ? 'batch loaded' : 'batch already loaded; skipped', {
    rows: outcome.rows,
    latencyMs: Date.now() - started,
  });
  return outcome;
}
