import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { createManifestHandler } from '../../shared/manifest-handler';
import { measureEnrich } from '../../shared/observability';
import { runEnrich } from '../../shared/stages/enrich';

/** Enrich: SQS messages carry S3 notifications of raw manifests; each manifest is one batch. */
export function createEnrichHandler(runtime: () => Runtime) {
  return createManifestHandler('enrich', runEnrich, measureEnrich, runtime);
}

export const handler = createEnrichHandler(runtimeFromEnv);
