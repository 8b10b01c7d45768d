import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** The smallest part S3 (and lib-storage, which refuses less) accepts, except the last one: 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Default part size of `npm run upload`: files up to this size go in one PUT. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** A local file's SHA-256, whole and per part (the parts lib-storage cuts: `partSize` bytes each). */
export interface FileDigest {
  bytes: number;
  partSize: number;
  /** Hex SHA-256 of the whole file: stored as the object's `sha256` metadata. */
  sha256: string;
  /** Raw SHA-256 of each part; one part when the file fits in one PUT. */
  parts: Buffer[];
}

/** Read a file once and hash it whole and per part. */
export async function digestFile(path: string, partSize: number): Promise<FileDigest> {
  const whole = createHash('sha256');
  const parts: Buffer[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    whole.update(buffer);
    bytes += buffer.length;
    for (let at = 0; at < buffer.length; ) {
      const take = Math.min(partSize - inPart, buffer.length - at);
      part.update(buffer.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partSize) {
        parts.push(part.digest());
        part = createHash('sha256');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || parts.length === 0) parts.push(part.digest());
  return { bytes, partSize, sha256: whole.digest('hex'), parts };
}

/**
 * The `ChecksumSHA256` S3 reports for the object once uploaded: the file's SHA-256 (base64) for a
 * single PUT; for a multipart upload the composite form, SHA-256 of the parts' digests and `-<parts>`.
 */
export function s3ChecksumOf(digest: FileDigest): string {
  if (digest.parts.length === 1) return Buffer.from(digest.sha256, 'hex').toString('base64');
  const composite = createHash('sha256').update(Buffer.concat(digest.parts)).digest('base64');
  return `${composite}-${digest.parts.length}`;
}

export interface UploadFileOptions {
  bucket: string;
  key: string;
  path: string;
  contentType: string;
  /** Bytes a part holds (at least 5 MiB); a file no bigger goes in one PUT. */
  partSize?: number;
  /** Parts in flight at once. */
  queueSize?: number;
  /**
   * Ask S3 to check a SHA-256 of every part as it arrives (Amazon S3). S3-compatible servers such as
   * s3rver store the SDK's `aws-chunked` checksum framing as content, so leave it off for them: the
   * object is then verified by reading it back.
   */
  serverChecksums: boolean;
  /** Bytes sent so far of this file. */
  onProgress?: (loaded: number) => void;
}

export interface UploadedFile {
  bucket: string;
  key: string;
  bytes: number;
  parts: number;
  /** Hex SHA-256 of the content, as stored in the object's `sha256` metadata. */
  sha256: string;
  eTag: string;
  /** How the object was checked against the file: S3's own checksum, or the bytes read back. */
  verifiedBy: 'checksum' | 'read-back';
}

/**
 * Upload one local file (streamed; multipart above `partSize`) with its SHA-256 in the object's
 * metadata, then check what the bucket holds against the file: the object's `ChecksumSHA256` where
 * the server keeps one (S3), else by reading it back and hashing it. A difference throws
 * {@link UploadVerificationError}.
 * @example await uploadFile(s3, { bucket: 'b', key: 'landing/sales.jsonl', path: 'sales.jsonl', contentType: 'application/x-ndjson', serverChecksums: true });
 */
export async function uploadFile(s3: S3Client, options: UploadFileOptions): Promise<UploadedFile> {
  const partSize = options.partSize ?? DEFAULT_PART_SIZE;
  if (partSize < MIN_PART_SIZE) {
    throw new RangeError(`part size ${partSize} is below S3's minimum of ${MIN_PART_SIZE} bytes (5 MiB)`);
  }
  const digest = await digestFile(options.path, partSize);
  const { size } = await stat(options.path);
  if (size !== digest.bytes) {
    throw new UploadVerificationError(
      `${options.path} changed while it was read (${size} != ${digest.bytes} bytes)`,
    );
  }
  const upload = new Upload({
    client: s3,
    partSize,
    queueSize: options.queueSize ?? 4,
    leavePartsOnError: false,
    params: {
      Bucket: options.bucket,
      Key: options.key,
      Body: createReadStream(options.path),
      ContentType: options.contentType,
      Metadata: { sha256: digest.sha256 },
      ...(options.serverChecksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
    },
  });
  upload.on('httpUploadProgress', (progress) => options.onProgress?.(progress.loaded ?? 0));
  await upload.done();
  const verified = await verifyObject(s3, options.bucket, options.key, digest);
  return {
    bucket: options.bucket,
    key: options.key,
    bytes: digest.bytes,
    parts: digest.parts.length,
    sha256: digest.sha256,
    ...verified,
  };
}

/**
 * Check an object against a file's digest: size and `sha256` metadata, then S3's `ChecksumSHA256`
 * when the server returns one, else the object's bytes read back and hashed.
 */
export async function verifyObject(
  s3: S3Client,
  bucket: string,
  key: string,
  digest: FileDigest,
): Promise<{ eTag: string; verifiedBy: UploadedFile['verifiedBy'] }> {
  const where = `s3://${bucket}/${key}`;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const eTag = (head.ETag ?? '').replace(/"/g, '');
  if (head.ContentLength !== digest.bytes) {
    throw new UploadVerificationError(`${where} holds ${head.ContentLength} bytes, the file ${digest.bytes}`);
  }
  if (head.Metadata?.sha256 !== digest.sha256) {
    throw new UploadVerificationError(
      `${where} has sha256 metadata ${head.Metadata?.sha256}, the file ${digest.sha256}`,
    );
  }
  if (head.ChecksumSHA256) {
    const expected = s3ChecksumOf(digest);
    if (head.ChecksumSHA256 !== expected) {
      throw new UploadVerificationError(
        `${where} has ChecksumSHA256 ${head.ChecksumSHA256}, expected ${expected}`,
      );
    }
    return { eTag, verifiedBy: 'checksum' };
  }
  const body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
  if (!body) throw new UploadVerificationError(`${where} has no body`);
  const hash = createHash('sha256');
  for await (const chunk of body as AsyncIterable<Uint8Array>) hash.update(chunk);
  const actual = hash.digest('hex');
  if (actual !== digest.sha256) {
    throw new UploadVerificationError(
      `${where} reads back with sha256 ${actual}, the file has ${digest.sha256}`,
    );
  }
  return { eTag, verifiedBy: 'read-back' };
}

/** What the bucket holds is not the file that was uploaded. */
export class UploadVerificationError extends Error {
  readonly code = 'UPLOAD_MISMATCH';
  override name = 'UploadVerificationError';
}
