import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { createManifestHandler } from '../../shared/manifest-handler';
import { measureConvert } from '../../shared/observability';
import { runConvert } from '../../shared/stages/convert';

/** Convert: SQS messages carry S3 notifications of enriched manifests; each becomes Parquet + a load message. */
export function createConvertHandler(runtime: () => Runtime) {
  return createManifestHandler('convert', runConvert, measureConvert, runtime);
}

export const handler = createConvertHandler(runtimeFromEnv);
