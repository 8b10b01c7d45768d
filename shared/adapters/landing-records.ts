import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FileFormat, FileRecord } from '../domain/file-drop';
import { readCsvRecords } from './csv-records';
import { readJsonArrayRecords } from './json-array-records';
import { readJsonlRecords } from './jsonl-records';

const READERS: Record<FileFormat, (chunks: AsyncIterable<Uint8Array>) => AsyncGenerator<FileRecord>> = {
  csv: readCsvRecords,
  'json-array': readJsonArrayRecords,
  jsonl: readJsonlRecords,
};

/**
 * The records of a landing file's byte stream in its format, gunzipped first when the bytes are
 * gzip (by their magic number, whatever the name says). Streaming end to end.
 * @example for await (const record of readLandingRecords(await store.getStream(bucket, key), 'jsonl')) ...
 */
export function readLandingRecords(
  body: AsyncIterable<Uint8Array>,
  format: FileFormat,
): AsyncGenerator<FileRecord> {
  return READERS[format](gunzipped(body));
}

/** The bytes of a stream, inflated when it starts with gzip's magic number (1f 8b). */
export async function* gunzipped(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 2 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      while (!done) {
        const next = await iterator.next();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // A consumer that stops early releases the source (for S3: its socket).
      if (!done) await iterator.return?.();
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(all()), gunzip, () => {
    // Errors reach the consumer through gunzip's iterator.
  });
  yield* gunzip;
}
