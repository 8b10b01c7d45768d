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
    await store.putStream('b', 'big.csv', Readable.from([Buffer.from(body)]), 'text/csv');
    const back = await text(await store.getStream('b', 'big.csv'));
    const head = await store.head('b', 'big.csv');
    // Assess
    expect(back).toBe(body);
    expect(head.size).toBe(Buffer.byteLength(body));
    expect(head.eTag).toMatch(/^[0-9a-f-]+$/);
  });

  it('reports a missing object as ObjectMissingError from get, getStream and head', async () => {
    await expect(store.get('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.getStream('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
    await expect(store.head('b', 'nope')).rejects.toBeInstanceOf(ObjectMissingError);
  });
});
