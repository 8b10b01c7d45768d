import type { SQSEvent } from 'aws-lambda';
import { readLandingRecords } from '../adapters/landing-records';
import type { ObjectStore } from '../adapters/object-store';
import { sha256Hex } from '../checksum';
import type { Config } from '../config';
import {
  classifyLandingKey,
  isLandingObject,
  LANDING_PATTERNS,
  normaliseETag,
  PART_BYTES,
  PART_RECORDS,
  partRecordJson,
  runIdForFile,
} from '../domain/file-drop';
import { batchIdForRun, manifestKeyIn, rawPageKey, rawRunPrefix, utcDate } from '../domain/layout';
import type { RawManifest } from '../domain/manifest';
import { type ObjectRef, parseS3Notification } from '../domain/s3-notification';
import { FILE_SOURCE_NAME } from '../domain/sources';
import { InvalidEventError, ObjectMissingError } from '../errors';
import type { Logger } from '../logger';
import { PartBuffer } from './part-buffer';

export interface IngestFileDeps {
  store: ObjectStore;
  config: Pick<Config, 'rawBucket'>;
  log: Logger;
  now?: () => Date;
  /** Records per raw part (default PART_RECORDS); smaller in tests. */
  partRecords?: number;
}

/** A landing object to ingest, with the time its S3 event says it was created. */
export interface LandingObject extends ObjectRef {
  eventTime?: Date;
}

/**
 * Ingest the files an S3 event notification (an SQS message body) announces. Objects outside
 * `landing/` and folder markers are ignored; S3's test event announces none.
 * @example await ingestNotification(deps, record.body);
 */
export async function ingestNotification(deps: IngestFileDeps, body: string): Promise<RawManifest[]> {
  const manifests: RawManifest[] = [];
  for (const object of landingObjectsOf(body)) {
    if (!isLandingObject(object.key)) {
      deps.log.warn('not a landing object; ignored', { bucket: object.bucket, key: object.key });
      continue;
    }
    const manifest = await runIngestFile(deps, object);
    if (manifest) manifests.push(manifest);
  }
  return manifests;
}

/** The created objects of a notification, each with its record's `eventTime`. */
export function landingObjectsOf(body: string): LandingObject[] {
  const refs = parseS3Notification(body);
  if (refs.length === 0) return [];
  // parseS3Notification validated the body and kept its ObjectCreated records, in order.
  const records = (
    JSON.parse(body) as { Records: { eventName: string; eventTime?: unknown }[] }
  ).Records.filter((r) => r.eventName.startsWith('ObjectCreated'));
  return refs.map((ref, index) => {
    const time = records[index]?.eventTime;
    const eventTime =
      typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? new Date(time) : undefined;
    return { ...ref, eventTime };
  });
}

/**
 * Ingest one landing file: stream it (gunzipped when gzip), parse it by its name's format, write
 * its records as raw part files of at most PART_RECORDS records, then the run's `_manifest.json`
 * last, as an API run does. The run id derives from bucket, key and ETag, and the folder's date
 * from the S3 event's time, so a redelivered event rewrites the same keys. Lines that cannot be
 * parsed go on as unparseable records; an empty file is a batch of zero records.
 *
 * Returns undefined (and writes nothing) when the object is gone or a newer version replaced it:
 * that version's own event ingests it.
 */
export async function runIngestFile(
  deps: IngestFileDeps,
  object: LandingObject,
): Promise<RawManifest | undefined> {
  const kind = classifyLandingKey(object.key);
  if (!kind) {
    throw new InvalidEventError(
      `s3://${object.bucket}/${object.key}: not a file name ingest knows (${LANDING_PATTERNS})`,
    );
  }
  let head: { size: number; eTag: string };
  try {
    head = await deps.store.head(object.bucket, object.key);
  } catch (error) {
    if (!(error instanceof ObjectMissingError)) throw error;
    deps.log.warn('landing object is gone; nothing to ingest', { bucket: object.bucket, key: object.key });
    return undefined;
  }
  if (object.eTag && normaliseETag(object.eTag) !== normaliseETag(head.eTag)) {
    deps.log.info('landing object was replaced since this event; its own event ingests it', {
      key: object.key,
      eventETag: object.eTag,
      currentETag: head.eTag,
    });
    return undefined;
  }

  const now = (deps.now ?? (() => new Date()))();
  const ingestedAt = now.toISOString();
  const runId = runIdForFile(object.bucket, object.key, head.eTag);
  const ingestDate = utcDate(object.eventTime ?? now);
  const prefix = rawRunPrefix(FILE_SOURCE_NAME, ingestDate, runId);
  const sourceFile = `s3://${object.bucket}/${object.key}`;
  const log = deps.log.child({
    source: FILE_SOURCE_NAME,
    runId,
    batchId: batchIdForRun(FILE_SOURCE_NAME, runId),
    key: object.key,
  });
  const limit = deps.partRecords ?? PART_RECORDS;

  const files: RawManifest['files'] = [];
  let records = 0;
  let unparseable = 0;
  // Two part buffers: one is being written to the store while the next fills.
  let part = new PartBuffer();
  let spare = new PartBuffer();
  /** The put of the previous part (one in flight at most). */
  let writing: Promise<void> | undefined;
  const header = (firstRecord: number) =>
    `{"source_file":${JSON.stringify(sourceFile)},"format":"${kind.format}","entity":"${kind.entity}","first_record":${firstRecord},"records":[`;
  part.start(header(1));

  const flush = async () => {
    const key = rawPageKey(prefix, kind.entity, files.length + 1);
    const count = part.records;
    const body = part.finish(']}');
    files.push({
      key,
      entity: kind.entity,
      records: count,
      url: sourceFile,
      bytes: body.byteLength,
      sha256: sha256Hex(body),
    });
    // The spare buffer is free once the put that used it is done.
    if (writing) await writing;
    writing = deps.store.put(deps.config.rawBucket, key, body, 'application/json');
    // Awaited before the next put or the manifest; this keeps a failure from going unhandled meanwhile.
    writing.catch(() => undefined);
    [part, spare] = [spare, part];
    part.start(header(records + 1));
  };

  const stream = await deps.store.getStream(object.bucket, object.key);
  try {
    for await (const record of readLandingRecords(stream, kind.format)) {
      part.add(partRecordJson(record));
      records += 1;
      if (record.unparseable) unparseable += 1;
      if (part.records >= limit || part.size >= PART_BYTES) await flush();
    }
    if (part.records > 0 || files.length === 0) await flush();
    await writing;
  } finally {
    stream.destroy();
  }

  const manifest: RawManifest = {
    stage: 'ingest',
    source: FILE_SOURCE_NAME,
    run_id: runId,
    ingest_date: ingestDate,
    scheduled_time: (object.eventTime ?? now).toISOString(),
    ingested_at: ingestedAt,
    files,
    totals: { [kind.entity]: records },
  };
  await deps.store.put(
    deps.config.rawBucket,
    manifestKeyIn(prefix),
    JSON.stringify(manifest, null, 2),
    'application/json',
  );
  log.info('landing file ingested', {
    format: kind.format,
    bytes: head.size,
    records,
    unparseable,
    parts: files.length,
  });
  return manifest;
}

/** True for an SQS event (the landing queue's), as opposed to a schedule's input. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every((r) => (r as { eventSource?: unknown } | null)?.eventSource === 'aws:sqs')
  );
}
