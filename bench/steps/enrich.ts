import { FsObjectStore } from '../../shared/adapters/fs-object-store';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { runEnrich } from '../../shared/stages/enrich';
import { report, stepArgs } from './step-io';

/**
 * Bench step (its own process): enrich one raw run from a local-filesystem ObjectStore through the
 * real runEnrich, whatever its internals. Prints one JSON line with the enriched manifest's key.
 */
async function main(): Promise<void> {
  const args = stepArgs<{ root: string; bucket: string; key: string }>();
  const store = new FsObjectStore(args.root);
  const config = loadConfig({ RAW_BUCKET: args.bucket, CURATED_BUCKET: args.bucket });
  const started = performance.now();
  const manifest = await runEnrich(
    { store, config, log: createLogger('silent') },
    { bucket: args.bucket, key: args.key },
  );
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  const prefix = manifest.files.find((f) => f.table === 'order_lines')?.key.replace(/[^/]+$/, '') ?? '';
  report({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rowsIn: manifest.order_lines.rows_in,
    clean: manifest.order_lines.clean,
    rejected: manifest.order_lines.rejected + manifest.order_lines.duplicates,
    enrichedManifestKey: `${prefix}_manifest.json`,
  });
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
