import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ObjectMissingError } from '../errors';

/** What the stages need from object storage. */
export interface ObjectStore {
  /** The object's bytes; throws ObjectMissingError when it does not exist. */
  get(bucket: string, key: string): Promise<Uint8Array>;
  put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** The object as a stream, for inputs too big for memory; throws ObjectMissingError when it does not exist. */
  getStream(bucket: string, key: string): Promise<Readable>;
  /**
   * Write a stream (multipart for big bodies), without buffering it whole; resolves with the ETag the
   * store gave the object written (what `head` answers while that object is the one at the key).
   */
  putStream(bucket: string, key: string, body: Readable, contentType: string): Promise<{ eTag: string }>;
  /**
   * Bytes `start` to `end` (inclusive, as in HTTP ranges) of an object; throws ObjectMissingError when
   * it does not exist, and RangeError when the range is not inside the object.
   */
  getRange(bucket: string, key: string, start: number, end: number): Promise<Uint8Array>;
  /** Size and ETag of an object; throws ObjectMissingError when it does not exist. */
  head(bucket: string, key: string): Promise<{ size: number; eTag: string }>;
  /** Keys under a prefix, with sizes, in S3's order (by UTF-16 code unit, not locale). */
  list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]>;
}

/** The ObjectStore on Amazon S3 (or any S3-compatible server such as s3rver). */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async get(bucket: string, key: string): Promise<Uint8Array> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new ObjectMissingError(bucket, key);
      return await out.Body.transformToByteArray();
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new ObjectMissingError(bucket, key);
      return out.Body as Readable;
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async putStream(
    bucket: string,
    key: string,
    body: Readable,
    contentType: string,
  ): Promise<{ eTag: string }> {
    const out = await new Upload({
      client: this.s3,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
    }).done();
    if (!out.ETag) throw new Error(`s3://${bucket}/${key}: the store returned no ETag for the upload`);
    return { eTag: unquote(out.ETag) };
  }

  async getRange(bucket: string, key: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(start, end);
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
      );
      if (!out.Body) throw new ObjectMissingError(bucket, key);
      const bytes = await out.Body.transformToByteArray();
      // A server that ignores Range answers with the whole object; a short answer means the range ran
      // past the end. Either way the caller would read the wrong bytes.
      if (bytes.byteLength !== end - start + 1)
        throw new RangeError(
          `s3://${bucket}/${key}: asked for bytes ${start}-${end}, got ${bytes.byteLength} bytes`,
        );
      return bytes;
    } catch (error) {
      if ((error as { name?: string }).name === 'InvalidRange')
        throw new RangeError(`s3://${bucket}/${key}: bytes ${start}-${end} are not inside the object`, {
          cause: error,
        });
      throw missingOr(error, bucket, key);
    }
  }

  async head(bucket: string, key: string): Promise<{ size: number; eTag: string }> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, eTag: unquote(out.ETag ?? '') };
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async put(bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
    const keys: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of out.Contents ?? []) if (item.Key) keys.push({ key: item.Key, size: item.Size ?? 0 });
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** Read an object as UTF-8 text. */
export async function getText(store: ObjectStore, bucket: string, key: string): Promise<string> {
  return new TextDecoder().decode(await store.get(bucket, key));
}

/** Read an object as UTF-8 text, or undefined when there is no such object. */
export async function getTextIfExists(
  store: ObjectStore,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  try {
    return await getText(store, bucket, key);
  } catch (error) {
    if (error instanceof ObjectMissingError) return undefined;
    throw error;
  }
}

/** S3 sends ETags in quotes. */
function unquote(eTag: string): string {
  return eTag.replace(/"/g, '');
}

/** A byte range must start at 0 or later and end at or after its start. */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError(`bytes ${start}-${end} is not a valid range`);
}

/** NoSuchKey (GET) and NotFound (HEAD) become ObjectMissingError; anything else passes through. */
function missingOr(error: unknown, bucket: string, key: string): unknown {
  const name = (error as { name?: string }).name;
  if (error instanceof ObjectMissingError) return error;
  if (error instanceof NoSuchKey || name === 'NoSuchKey' || name === 'NotFound') {
    return new ObjectMissingError(bucket, key, { cause: error });
  }
  return error;
}
