import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';

describe('the embedded S3 server', () => {
  let directory: string;
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 's3-server-test-'));
    server = await startS3Server({ directory, buckets: ['shop-raw', 'shop-curated'] });
    s3 = new S3Client(s3ClientConfig(server.endpoint));
  });

  afterAll(async () => {
    s3.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('listens on a free loopback port', () => {
    // Assess
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.endpoint).not.toMatch(/:0$/);
  });

  it('stores an object that can be read back and listed', async () => {
    // Prepare
    const key = 'raw/api/2024-01-01/part-0.json';
    const body = JSON.stringify([{ id: 1 }, { id: 2 }]);

    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'shop-raw', Key: key, Body: body }));
    const read = await s3.send(new GetObjectCommand({ Bucket: 'shop-raw', Key: key }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'shop-raw', Prefix: 'raw/' }));

    // Assess
    expect(await read.Body?.transformToString()).toBe(body);
    expect(listed.Contents?.map((object) => object.Key)).toEqual([key]);
  });

  it('creates every bucket it is given', async () => {
    // Act
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'shop-curated' }));

    // Assess
    expect(listed.KeyCount).toBe(0);
  });

  it('stores a streamed body without aws-chunked framing', async () => {
    // Prepare
    const key = 'landing/sales.jsonl';
    const chunks = [Buffer.from('{"event_id":"e1"}\n'), Buffer.from('{"event_id":"e2"}\n')];

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: 'shop-raw',
        Key: key,
        Body: Readable.from(chunks),
        ContentLength: Buffer.concat(chunks).length,
      }),
    );
    const read = await s3.send(new GetObjectCommand({ Bucket: 'shop-raw', Key: key }));

    // Assess
    expect(await read.Body?.transformToString()).toBe(Buffer.concat(chunks).toString());
  });
});
