import type { z } from 'zod';
import { getText, type ObjectStore } from '../adapters/object-store';
import { sha256Hex } from '../checksum';
import { ManifestMismatchError } from '../errors';

/** Read and validate a manifest; a malformed one is a ManifestMismatchError naming the key. */
export async function readManifest<T extends z.ZodType>(
  store: ObjectStore,
  bucket: string,
  key: string,
  schema: T,
): Promise<z.infer<T>> {
  const text = await getText(store, bucket, key);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestMismatchError(`manifest s3://${bucket}/${key} is not JSON`, key, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ManifestMismatchError(
      `manifest s3://${bucket}/${key} is invalid: ${parsed.error.message}`,
      key,
    );
  }
  return parsed.data;
}

/** Read a file a manifest lists and check its checksum. */
export async function readListedFile(
  store: ObjectStore,
  bucket: string,
  file: { key: string; sha256: string },
): Promise<Uint8Array> {
  const body = await store.get(bucket, file.key);
  if (sha256Hex(body) !== file.sha256) {
    throw new ManifestMismatchError(
      `s3://${bucket}/${file.key} does not match its manifest checksum`,
      file.key,
    );
  }
  return body;
}

/** Write a data file and describe it for the manifest. */
export async function writeListedFile(
  store: ObjectStore,
  bucket: string,
  key: string,
  body: Uint8Array | string,
  contentType: string,
): Promise<{ key: string; bytes: number; sha256: string }> {
  await store.put(bucket, key, body, contentType);
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  return { key, bytes, sha256: sha256Hex(body) };
}
