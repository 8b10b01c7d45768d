import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { S3ObjectStore } from '../../shared/adapters/object-store';
import { ObjectMissingError } from '../../shared/errors';

describe('S3ObjectStore against s3rver', () => {
  let dir: string;
  let s3: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'object-store-'));
    s3 = await startS3Server({ directory: dir, buckets: ['b'] });
    client = new S3Client(s3ClientConfig(s3.endpoint));
    store = new S3ObjectStore(client);
  });
  afterAll(async () => {
    client?.destroy();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a body in and out without changing a byte', async () => {
    // Prepare: 6 MiB, more than one multipart part
    const body = 'é,line\n'.repeat(800_000);
    // Act
    const put = await store.putStream('b', 'big.csv', Readable.from([Buffer.from(body)]), 'text/csv');
    const back = await text(await store.getStream('b', 'big.csv'));
    const head = await store.head('b', 'big.csv');
    // Assess: the upload's ETag is the one HEAD gives (s3rver: the content's MD5; S3: MD5 of MD5s "-2")
    expect(back).toBe(body);
    expect(head.size).toBe(Buffer.byteLength(body));
    expect(head.eTag).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
    expect(put.eTag).toBe(head.eTag);
  });

  it('answers a streamed upload with the ETag HEAD gives, until another write replaces the object', async () => {
    // Prepare
    const first = await store.putStream(
      'b',
      'small.txt',
      Readable.from([Buffer.from('first')]),
      'text/plain',
    );
    const headFirst = await store.head('b', 'small.txt');

    // Act: another writer replaces it
    await store.put('b', 'small.txt', 'other', 'text/plain');
    const headOther = await store.head('b', 'small.txt');

    // Assess: a single PUT's ETag is the MD5 of its bytes; the replacement has another
    expect(first.eTag).toBe(createHash('md5').update('first').digest('hex'));
    expect(headFirst.eTag).toBe(first.eTag);
    expect(headOther.eTag).not.toBe(first.eTag);
  });

  it('reads a byte range (inclusive) without the rest of the object', async () => {
    // Prepare
    const body = Buffer.from('0123456789abcdef'.repeat(1000));
    await store.put('b', 'ranged.bin', body, 'application/octet-stream');

    // Act
    const middle = await store.getRange('b', 'ranged.bin', 5, 20);
    const last = await store.getRange('b', 'ranged.bin', body.byteLength - 3, body.byteLength - 1);

    // Assess
    expect(Buffer.from(middle).toString()).toBe(body.subarray(5, 21).toString());
    expect(Buffer.from(last).toString()).toBe('def');
    await expect(store.getRange('b', 'ranged.bin', 10, 5)).rejects.toBeInstanceOf(RangeError);
    await expect(
      store.getRange('b', 'ranged.bin', body.byteLength - 2, body.byteLength + 5),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(store.getRange('b', 'nope', 0, 1)).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('reports a missing object as ObjectMissingError from get, getStream and head', async () => {
    await expect(store.get('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.getStream('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.head('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
  });
});
