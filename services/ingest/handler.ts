import middy from '@middy/core';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseIngestEvent } from '../../shared/events';
import { runIngest } from '../../shared/stages/ingest';

/** Ingest: an EventBridge schedule starts one API run; it writes raw pages, then the raw manifest. */
export function createIngestHandler(runtime: () => Runtime) {
  return middy(async (event: unknown) => {
    const rt = runtime();
    const request = parseIngestEvent(event, 'dummyjson');
    const manifest = await runIngest({ ...rt, log: rt.log.child({ stage: 'ingest' }) }, request);
    return {
      runId: manifest.run_id,
      source: manifest.source,
      files: manifest.files.length,
      totals: manifest.totals,
    };
  });
}

export const handler = createIngestHandler(runtimeFromEnv);
