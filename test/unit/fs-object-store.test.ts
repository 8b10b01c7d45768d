import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../shared/adapters/fs-object-store';
import { ObjectMissingError } from '../../shared/errors';

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fs-store-'));
    store = new FsObjectStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives back the bytes put, as bytes and as a stream', async () => {
    // Prepare
    const body = 'é,ü,🚀\n'.repeat(10_000);

    // Act
    await store.put('b', 'raw/a/file.csv', body, 'text/csv');

    // Assess
    expect(new TextDecoder().decode(await store.get('b', 'raw/a/file.csv'))).toBe(body);
    expect(await text(await store.getStream('b', 'raw/a/file.csv'))).toBe(body);
  });

  it('writes a stream whole, and leaves nothing behind when the stream fails', async () => {
    // Prepare
    const failing = new Readable({
      read() {
        this.push(Buffer.from('half'));
        this.destroy(new Error('source failed'));
      },
    });

    // Act
    await store.putStream(
      'b',
      'ok.ndjson',
      Readable.from([Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n')]),
      'x',
    );
    const failed = store.putStream('b', 'broken.ndjson', failing, 'x');

    // Assess
    await expect(failed).rejects.toThrow('source failed');
    expect(await store.list('b', '')).toEqual([{ key: 'ok.ndjson', size: 16 }]);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
  });

  it('lists keys under a prefix in S3 order, with sizes', async () => {
    // Prepare
    for (const key of ['p/b', 'p/a/2', 'p/a/1', 'p/B', 'q/x', 'p-z']) await store.put('b', key, key, 'x');

    // Act
    const listed = await store.list('b', 'p/');

    // Assess
    expect(listed).toEqual([
      { key: 'p/B', size: 3 },
      { key: 'p/a/1', size: 5 },
      { key: 'p/a/2', size: 5 },
      { key: 'p/b', size: 3 },
    ]);
    expect((await store.list('b', 'p')).map((o) => o.key)).toEqual(['p-z', 'p/B', 'p/a/1', 'p/a/2', 'p/b']);
    expect(await store.list('missing-bucket', '')).toEqual([]);
  });

  it('heads an object with its size and the MD5 ETag S3 gives a single PUT', async () => {
    // Prepare
    await store.put('b', 'k', 'hello', 'text/plain');

    // Act
    const head = await store.head('b', 'k');

    // Assess
    expect(head).toEqual({ size: 5, eTag: createHash('md5').update('hello').digest('hex') });
  });

  it('answers a streamed write with the ETag head gives, and notices a file changed behind its back', async () => {
    // Prepare
    const body = Buffer.from('ü'.repeat(300_000));
    const put = await store.putStream('b', 'p/file.bin', Readable.from([body]), 'x');
    const headWritten = await store.head('b', 'p/file.bin');

    // Act: the file is rewritten outside the store (another process)
    await writeFile(join(root, 'b', 'p', 'file.bin'), 'changed');
    const headChanged = await store.head('b', 'p/file.bin');

    // Assess
    expect(put.eTag).toBe(createHash('md5').update(body).digest('hex'));
    expect(headWritten).toEqual({ size: body.byteLength, eTag: put.eTag });
    expect(headChanged).toEqual({ size: 7, eTag: createHash('md5').update('changed').digest('hex') });
  });

  it('reads a byte range (inclusive), refusing one past the end', async () => {
    // Prepare
    await store.put('b', 'r', '0123456789', 'x');

    // Act
    const range = await store.getRange('b', 'r', 2, 4);

    // Assess
    expect(Buffer.from(range).toString()).toBe('234');
    expect(Buffer.from(await store.getRange('b', 'r', 9, 9)).toString()).toBe('9');
    await expect(store.getRange('b', 'r', 8, 10)).rejects.toBeInstanceOf(RangeError);
    await expect(store.getRange('b', 'r', -1, 3)).rejects.toBeInstanceOf(RangeError);
    await expect(store.getRange('b', 'nope', 0, 1)).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('reports a missing object as ObjectMissingError from get, getStream and head', async () => {
    await store.put('b', 'dir/k', 'x', 'x');
    await expect(store.get('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.getStream('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.head('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.get('b', 'dir')).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it.each(['../escape', 'a/../../b', '/abs', 'a//b', 'a/./b'])('refuses the key %s', async (key) => {
    await expect(store.put('b', key, 'x', 'x')).rejects.toThrow(RangeError);
  });

  it.each(['', '.tmp', 'a/b'])('refuses the bucket name "%s"', async (bucket) => {
    await expect(store.put(bucket, 'k', 'x', 'x')).rejects.toThrow(RangeError);
  });
});
