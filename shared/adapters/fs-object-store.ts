import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectMissingError } from '../errors';
import { checkRange, type ObjectStore } from './object-store';

/** Temporary files live here (beside the buckets, never inside one), then are renamed into place. */
const TEMP_DIR = '.tmp';
/** ETags of objects this store wrote, remembered so `head` need not re-read them (oldest dropped). */
const KNOWN_ETAGS = 10_000;

/**
 * The ObjectStore on a local folder: `<root>/<bucket>/<key>`. For the bench and local tools, where
 * S3 semantics matter but a server does not: objects appear whole (written to a temporary file, then
 * renamed), listing is in S3's key order, a missing object is an ObjectMissingError, and the ETag is
 * the MD5 of the content as S3 gives for a single PUT (remembered for the objects this store wrote,
 * while the file is unchanged, so `head` does not re-read them). A key may not hold `..` segments; a key that
 * is also a "folder" of other keys (`a` and `a/b`) cannot exist on a file system.
 * @example
 * const store = new FsObjectStore('/tmp/bench-store');
 * await store.put('raw', 'raw/run/_manifest.json', '{}', 'application/json');
 */
export class FsObjectStore implements ObjectStore {
  /** path -> the file's identity when this store wrote it, and its ETag. */
  private readonly eTags = new Map<string, { identity: string; eTag: string }>();

  constructor(readonly root: string) {}

  async get(bucket: string, key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.path(bucket, key)));
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async getStream(bucket: string, key: string): Promise<Readable> {
    const path = this.path(bucket, key);
    try {
      if (!(await stat(path)).isFile()) throw new ObjectMissingError(bucket, key);
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
    return createReadStream(path, { highWaterMark: 256 * 1024 });
  }

  async getRange(bucket: string, key: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(start, end);
    const path = this.path(bucket, key);
    try {
      const handle = await open(path, 'r');
      try {
        const size = (await handle.stat()).size;
        if (end >= size)
          throw new RangeError(`${bucket}/${key}: bytes ${start}-${end} are not inside ${size} bytes`);
        const out = new Uint8Array(end - start + 1);
        let at = 0;
        while (at < out.byteLength) {
          const { bytesRead } = await handle.read(out, at, out.byteLength - at, start + at);
          if (bytesRead === 0) throw new RangeError(`${bucket}/${key} ended while being read`);
          at += bytesRead;
        }
        return out;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async put(bucket: string, key: string, body: Uint8Array | string, _contentType: string): Promise<void> {
    await this.commit(bucket, key, async (temp) => {
      await writeFile(temp, body);
      return createHash('md5').update(body).digest('hex');
    });
  }

  async putStream(
    bucket: string,
    key: string,
    body: Readable,
    _contentType: string,
  ): Promise<{ eTag: string }> {
    const md5 = createHash('md5');
    const hashed = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        done(null, chunk);
      },
    });
    const eTag = await this.commit(bucket, key, async (temp) => {
      await pipeline(body, hashed, createWriteStream(temp));
      return md5.digest('hex');
    });
    return { eTag };
  }

  async head(bucket: string, key: string): Promise<{ size: number; eTag: string }> {
    const path = this.path(bucket, key);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new ObjectMissingError(bucket, key);
      const known = this.eTags.get(path);
      if (known && known.identity === identityOf(info)) return { size: info.size, eTag: known.eTag };
      const md5 = createHash('md5');
      for await (const chunk of createReadStream(path)) md5.update(chunk as Buffer);
      return { size: info.size, eTag: md5.digest('hex') };
    } catch (error) {
      throw missingOr(error, bucket, key);
    }
  }

  async list(bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
    const base = join(this.root, checkName(bucket, 'bucket'));
    const keys: { key: string; size: number }[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        // Only descend where a key under the prefix can be.
        if (entry.isDirectory()) {
          const folder = `${key}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder))
            await walk(join(dir, entry.name), folder);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          keys.push({ key, size: (await stat(join(dir, entry.name))).size });
        }
      }
    };
    await walk(base, '');
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Write through a temporary file and rename it into place, so a reader never sees half an object;
   * `write` answers the object's ETag, remembered against the file's identity.
   */
  private async commit(
    bucket: string,
    key: string,
    write: (temp: string) => Promise<string>,
  ): Promise<string> {
    const path = this.path(bucket, key);
    const tempDir = join(this.root, TEMP_DIR);
    const temp = join(tempDir, randomUUID());
    await mkdir(tempDir, { recursive: true });
    await mkdir(dirname(path), { recursive: true });
    try {
      const eTag = await write(temp);
      const identity = identityOf(await stat(temp));
      await rename(temp, path);
      this.eTags.delete(path);
      this.eTags.set(path, { identity, eTag });
      if (this.eTags.size > KNOWN_ETAGS) this.eTags.delete(this.eTags.keys().next().value!);
      return eTag;
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  private path(bucket: string, key: string): string {
    if (key.split('/').some((part) => part === '' || part === '..' || part === '.')) {
      throw new RangeError(`FsObjectStore: key "${key}" cannot be stored as a file`);
    }
    return join(this.root, checkName(bucket, 'bucket'), ...key.split('/'));
  }
}

/** What changes when a file is replaced or rewritten (a rename keeps all of it). */
function identityOf(info: Stats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
}

function checkName(name: string, what: string): string {
  if (name === '' || name.startsWith('.') || name.includes('/') || name.includes(sep)) {
    throw new RangeError(`FsObjectStore: ${what} "${name}" is not a valid name`);
  }
  return name;
}

function missingOr(error: unknown, bucket: string, key: string): unknown {
  if (error instanceof ObjectMissingError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new ObjectMissingError(bucket, key, { cause: error });
  }
  return error;
}
