/**
 * s3rver's filesystem store, made to replace objects the way S3 does. s3rver 3.x truncates an
 * object's file and rewrites it in place, answers a PUT before the file is flushed, and keeps the
 * MD5 (ETag) and metadata in separate files: a reader of a key being rewritten sees half an
 * object, an ETag of another version, or a hung response, and an upload cut off mid-body (a writer
 * killed) leaves a truncated object behind. On S3 a PUT is atomic: a GET sees the old object or
 * the new one, whole, and a failed upload changes nothing. This store gives the embedded stack
 * the same promise, so a test that passes here does not pass by luck and fail on AWS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import S3Object from 's3rver/lib/models/object.js';
import FilesystemStore, { type S3rverMetadata } from 's3rver/lib/stores/filesystem.js';

/** Where uploads are written before they are renamed into place: inside the root, never a bucket. */
export const STAGING_DIR = '.staging';

/**
 * What one version of an object is: the inode of its content file (a rename keeps it), its MD5 and
 * stored metadata. Written before the content is renamed into place, so a reader holding the
 * content open knows whether this record describes what it holds.
 */
interface ObjectVersion {
  ino: number;
  md5: string;
  metadata: Record<string, string>;
}

/** How often a reader that caught a commit between its two renames looks again. */
const READ_ATTEMPTS = 50;

/** The store s3rver gets from `startS3Server`: uploads staged, then renamed over the old object. */
export class AtomicFilesystemStore extends FilesystemStore {
  private readonly staging: string;
  /** Commits in progress by object path: one key's renames never interleave with another's. */
  private readonly commits = new Map<string, Promise<unknown>>();

  constructor(rootDirectory: string) {
    super(rootDirectory);
    this.staging = join(rootDirectory, STAGING_DIR);
  }

  /** The staging folder is no bucket. */
  override async getBucket(bucket: string) {
    return bucket === STAGING_DIR ? null : super.getBucket(bucket);
  }

  /** Stream the body to a staging file, then rename it over the object: readers see old or new. */
  override async putObject(object: S3Object): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(this.staging, { recursive: true });
    const staged = join(this.staging, randomUUID());
    const hash = createHash('md5');
    let size = 0;
    try {
      const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
      if (!content) throw new Error(`no content to store for ${object.key}`);
      await pipeline(
        content,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        }),
        createWriteStream(staged),
      );
      const handle = await open(staged, 'r');
      const { ino } = await handle.stat().finally(() => handle.close());
      const md5 = hash.digest('hex');
      const version: ObjectVersion = { ino, md5, metadata: storedMetadata(object.metadata) };
      await this.commit(objectPath, async () => {
        await mkdir(dirname(objectPath), { recursive: true });
        await this.writeVersion(object.bucket, object.key, version);
        await rename(staged, objectPath);
      });
      return { size, md5 };
    } catch (error) {
      await rm(staged, { force: true });
      throw error;
    }
  }

  override async getMetadata(bucket: string, key: string): Promise<S3rverMetadata> {
    const found = await this.openVersion(bucket, key);
    if (found === 'legacy') return super.getMetadata(bucket, key);
    await found.handle.close();
    return found.metadata;
  }

  override async getObject(
    bucket: string,
    key: string,
    options?: { start?: number; end?: number },
  ): Promise<S3Object | null> {
    let found: Awaited<ReturnType<AtomicFilesystemStore['openVersion']>>;
    try {
      found = await this.openVersion(bucket, key);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    if (found === 'legacy') return super.getObject(bucket, key, options);
    const { handle, metadata } = found;
    // s3rver's range rules, applied to the version this reader holds open.
    const lastByte = Math.max(0, Number(metadata['content-length']) - 1);
    const range = {
      start: options?.start || 0,
      end: Math.min(options?.end || Number.POSITIVE_INFINITY, lastByte),
    };
    const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
    if (range.start < 0 || range.end < range.start) {
      await handle.close();
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    const object = new S3Object(bucket, key, handle.createReadStream(range), metadata);
    if (ranged) object.range = range;
    return object;
  }

  /** A copy is a read of one version and an atomic put of it. */
  override async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Record<string, string>,
  ): Promise<S3rverMetadata> {
    const source = await this.getObject(srcBucket, srcKey);
    if (!source?.content)
      throw Object.assign(new Error(`no object ${srcBucket}/${srcKey}`), { code: 'ENOENT' });
    await this.putObject(
      new S3Object(destBucket, destKey, source.content, replacementMetadata ?? source.metadata),
    );
    return this.getMetadata(destBucket, destKey);
  }

  override async deleteObject(bucket: string, key: string): Promise<void> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await this.commit(objectPath, async () => {
      await rm(objectPath, { force: true });
      await rm(this.getResourcePath(bucket, key, 'version.json'), { force: true });
      // s3rver's own files of the key, if it wrote any, and the folders left empty.
      await super.deleteObject(bucket, key);
    });
  }

  /**
   * Open the object's content and the version record that describes it. The record is renamed into
   * place before the content, so a record of another inode means a commit is between its two
   * renames: look again. A key without a record was written by plain s3rver: `legacy`.
   */
  private async openVersion(
    bucket: string,
    key: string,
  ): Promise<{ handle: FileHandle; metadata: S3rverMetadata } | 'legacy'> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    for (let attempt = 1; ; attempt += 1) {
      const handle = await open(objectPath, 'r');
      try {
        const stat = await handle.stat();
        const version = await this.readVersion(bucket, key);
        if (version === undefined) {
          await handle.close();
          return 'legacy';
        }
        if (version.ino === stat.ino) {
          return {
            handle,
            metadata: {
              ...version.metadata,
              etag: JSON.stringify(version.md5),
              'last-modified': stat.mtime.toUTCString(),
              'content-length': stat.size,
            },
          };
        }
      } catch (error) {
        await handle.close();
        throw error;
      }
      await handle.close();
      if (attempt >= READ_ATTEMPTS)
        throw new Error(`${bucket}/${key}: its version record does not describe its content`);
      await delay(attempt);
    }
  }

  private async readVersion(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    try {
      return JSON.parse(await readFile(this.getResourcePath(bucket, key, 'version.json'), 'utf8'));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private async writeVersion(bucket: string, key: string, version: ObjectVersion): Promise<void> {
    const staged = join(this.staging, `${randomUUID()}.json`);
    await writeFile(staged, JSON.stringify(version));
    await rename(staged, this.getResourcePath(bucket, key, 'version.json'));
  }

  /** Run `step` after every earlier commit of `path` has finished: the last to commit wins, whole. */
  private async commit(path: string, step: () => Promise<void>): Promise<void> {
    const before = this.commits.get(path) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(step);
    this.commits.set(path, mine);
    try {
      await mine;
    } finally {
      if (this.commits.get(path) === mine) this.commits.delete(path);
    }
  }
}

/** The metadata S3 stores with an object: s3rver's allowed headers and `x-amz-meta-*`. */
function storedMetadata(metadata: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-'))
      kept[name] = String(value);
  }
  return kept;
}

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOENT';
}
