import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectMissingError } from '../../shared/errors';
import { type S3Store, startS3Store } from '../helpers/s3-store';

describe('S3ObjectStore against s3rver', () => {
  let s3: S3Store;
  beforeAll(async () => {
    s3 = await startS3Store('object-store', ['b']);
  });
  afterAll(() => s3?.close());

  it('streams a body in and out without changing a byte', async () => {
    // Prepare: 6 MiB, more than one multipart part
    const body = 'é,line\n'.repeat(800_000);
    // Act
    const put = await s3.store.putStream('b', 'big.csv', Readable.from([Buffer.from(body)]), 'text/csv');
    const back = await text(await s3.store.getStream('b', 'big.csv'));
    const head = await s3.store.head('b', 'big.csv');
    // Assess: the upload's ETag is the one HEAD gives (s3rver: the content's MD5; S3: MD5 of MD5s "-2")
    expect(back).toBe(body);
    expect(head.size).toBe(Buffer.byteLength(body));
    expect(head.eTag).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
    expect(put.eTag).toBe(head.eTag);
  });

  it('answers a streamed upload with the ETag HEAD gives, until another write replaces the object', async () => {
    // Prepare
    const first = await s3.store.putStream(
      'b',
      'small.txt',
      Readable.from([Buffer.from('first')]),
      'text/plain',
    );
    const headFirst = await s3.store.head('b', 'small.txt');

    // Act: another writer replaces it
    await s3.store.put('b', 'small.txt', 'other', 'text/plain');
    const headOther = await s3.store.head('b', 'small.txt');

    // Assess: a single PUT's ETag is the MD5 of its bytes; the replacement has another
    expect(first.eTag).toBe(createHash('md5').update('first').digest('hex'));
    expect(headFirst.eTag).toBe(first.eTag);
    expect(headOther.eTag).not.toBe(first.eTag);
  });

  it('reads a byte range (inclusive) without the rest of the object', async () => {
    // Prepare
    const body = Buffer.from('0123456789abcdef'.repeat(1000));
    await s3.store.put('b', 'ranged.bin', body, 'application/octet-stream');

    // Act
    const middle = await s3.store.getRange('b', 'ranged.bin', 5, 20);
    const last = await s3.store.getRange('b', 'ranged.bin', body.byteLength - 3, body.byteLength - 1);

    // Assess
    expect(Buffer.from(middle).toString()).toBe(body.subarray(5, 21).toString());
    expect(Buffer.from(last).toString()).toBe('def');
    await expect(s3.store.getRange('b', 'ranged.bin', 10, 5)).rejects.toBeInstanceOf(RangeError);
    await expect(
      s3.store.getRange('b', 'ranged.bin', body.byteLength - 2, body.byteLength + 5),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(s3.store.getRange('b', 'nope', 0, 1)).rejects.toBeInstanceOf(ObjectMissingError);
  });

  it('reports a missing object as ObjectMissingError from get, getStream and head', async () => {
    await expect(s3.store.get('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(s3.store.getStream('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(s3.store.head('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
  });
});
