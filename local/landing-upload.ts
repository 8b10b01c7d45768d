import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ObjectStore } from '../shared/adapters/object-store';
import { PREFIX } from '../shared/constants';
import { classifyLandingKey, LANDING_PATTERNS, runIdForFile } from '../shared/domain/file-drop';
import { batchIdForRun } from '../shared/domain/layout';
import { FILE_SOURCE_NAME } from '../shared/domain/sources';

/** A local file put into `landing/`, and the batch its S3 event will produce. */
export interface DroppedFile {
  path: string;
  key: string;
  batchId: string;
}

/**
 * The files to drop for the given paths: files as given, folders by their contract-named files
 * (`customers*.csv`, ...). Throws, naming the path, for a file whose name is not in the contract or
 * two files with the same name (both would land on one key).
 */
export async function landingFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new LandingFileError(`${path}: no such file or folder`);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((name) => classifyLandingKey(name)).sort();
      if (names.length === 0) throw new LandingFileError(`${path}: no file named ${LANDING_PATTERNS}`);
      files.push(...names.map((name) => join(path, name)));
    } else if (!classifyLandingKey(basename(path))) {
      throw new LandingFileError(`${path}: not a file name ingest knows (${LANDING_PATTERNS})`);
    } else {
      files.push(path);
    }
  }
  const seen = new Map<string, string>();
  for (const file of files) {
    const other = seen.get(basename(file));
    if (other) throw new LandingFileError(`${other} and ${file} would both land as ${basename(file)}`);
    seen.set(basename(file), file);
  }
  return files;
}

/**
 * Put local files into `landing/` of a bucket (streamed: multipart for big files), as a person
 * dropping them would, and name the batch each one's S3 event will produce.
 * @example const dropped = await uploadToLanding(store, 'shop-raw', ['.data/drop/sales.jsonl']);
 */
export async function uploadToLanding(
  store: ObjectStore,
  bucket: string,
  paths: readonly string[],
): Promise<DroppedFile[]> {
  const dropped: DroppedFile[] = [];
  for (const path of await landingFiles(paths)) {
    const key = `${PREFIX.landing}${basename(path)}`;
    // Small files in one PUT; big ones streamed in parts (never read whole).
    if ((await stat(path)).size <= SINGLE_PUT_BYTES) {
      await store.put(bucket, key, await readFile(path), contentType(key));
    } else {
      await store.putStream(bucket, key, createReadStream(path), contentType(key));
    }
    const { eTag } = await store.head(bucket, key);
    dropped.push({ path, key, batchId: batchIdForRun(FILE_SOURCE_NAME, runIdForFile(bucket, key, eTag)) });
  }
  return dropped;
}

const SINGLE_PUT_BYTES = 8 * 1024 * 1024;

/** The Content-Type a landing file is put with (by its name). */
export function contentType(key: string): string {
  if (/\.gz$/i.test(key)) return 'application/gzip';
  if (/\.csv$/i.test(key)) return 'text/csv';
  if (/\.jsonl$/i.test(key)) return 'application/x-ndjson';
  return 'application/json';
}

/** A path given to `--files` that cannot be dropped. */
export class LandingFileError extends Error {
  readonly code = 'LANDING_FILE_INVALID';
}
