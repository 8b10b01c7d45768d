import { batchIdForRun, manifestKeyIn, rawRunPrefix, runIdFromTime, utcDate } from '../domain/layout';
import { parseS3Notification } from '../domain/s3-notification';
import { SOURCES } from '../domain/sources';

/** What every log line, metric document and trace of a batch carries, so one batch id finds them all. */
export interface BatchContext {
  batchId?: string;
  source?: string;
  /** The object the work started from (a manifest key). */
  key?: string;
}

/**
 * The batch an S3 key belongs to, from its Hive-style folders (`source=`, `run_id=`, `batch_id=`):
 * a raw manifest names its run, an enriched one its batch.
 * @example contextOfKey('raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json')
 *   // { source: 'dummyjson', batchId: 'dummyjson-20261126T030000Z', key: 'raw/...' }
 */
export function contextOfKey(key: string): BatchContext {
  const folder = (name: string) => new RegExp(`(?:^|/)${name}=([^/]+)/`).exec(key)?.[1];
  const source = folder('source');
  const runId = folder('run_id');
  const batchId = folder('batch_id') ?? (source && runId ? batchIdForRun(source, runId) : undefined);
  return { ...(batchId ? { batchId } : {}), ...(source ? { source } : {}), key };
}

/** The batch a scheduled API run will produce, and the raw manifest it writes last. */
export function contextOfRun(request: { source: string; scheduledTime: Date }): BatchContext {
  const runId = runIdFromTime(request.scheduledTime);
  return {
    batchId: batchIdForRun(request.source, runId),
    source: request.source,
    key: manifestKeyIn(rawRunPrefix(request.source, utcDate(request.scheduledTime), runId)),
  };
}

/** The batch a load message names; its source is the registered source its batch id starts with. */
export function contextOfLoad(message: { batchId: string; manifestKey: string }): BatchContext {
  const source = Object.keys(SOURCES)
    .filter((name) => message.batchId.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return { batchId: message.batchId, ...(source ? { source } : {}), key: message.manifestKey };
}

/** The first object an S3 notification (an SQS body) announces; nothing when it is not one. */
export function contextOfNotification(body: string): BatchContext {
  try {
    const [first] = parseS3Notification(body);
    return first ? contextOfKey(first.key) : {};
  } catch {
    return {};
  }
}
