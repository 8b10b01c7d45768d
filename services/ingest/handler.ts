import middy from '@middy/core';
import { type Runtime, runtimeFromEnv } from '../../shared/compose';
import { parseIngestEvent } from '../../shared/events';
import {
  contextOfNotification,
  contextOfRun,
  measureIngest,
  measureIngestRuns,
  observe,
  observeBatch,
} from '../../shared/observability';
import { processSqsBatch } from '../../shared/sqs-batch';
import { runIngest } from '../../shared/stages/ingest';
import { ingestNotification, isSqsEvent } from '../../shared/stages/ingest-files';

/**
 * Ingest: an EventBridge schedule starts one API run (or one incremental PostgreSQL extraction); SQS
 * messages carry S3 notifications of files dropped in `landing/`. Either way it writes raw parts, then
 * the raw manifest.
 */
export function createIngestHandler(runtime: () => Runtime) {
  return middy(async (event: unknown) => {
    const rt = runtime();
    if (isSqsEvent(event)) {
      const log = rt.log.child({ stage: 'ingest' });
      return processSqsBatch(
        event,
        async (record) => {
          await observeBatch(
            { ...rt, log },
            'ingest',
            contextOfNotification(record.body),
            (log) => ingestNotification({ ...rt, log }, record.body),
            measureIngestRuns,
          );
        },
        log,
      );
    }
    const request = parseIngestEvent(event, 'dummyjson');
    const log = rt.log.child({ stage: 'ingest' });
    const manifest = await observeBatch(
      { ...rt, log },
      'ingest',
      contextOfRun(request),
      (log) => runIngest({ ...rt, log }, request),
      measureIngest,
    );
    return {
      runId: manifest.run_id,
      source: manifest.source,
      files: manifest.files.length,
      totals: manifest.totals,
    };
  }).use(observe('ingest', runtime));
}

/** Only the ingest functions bundle the PostgreSQL adapter (the `pg` driver). */
const ingestRuntime = () =>
  runtimeFromEnv({ postgres: () => import('../../shared/adapters/postgres-shop-database') });

export const handler = createIngestHandler(ingestRuntime);
