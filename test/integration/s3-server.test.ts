import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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

/** `size` bytes that differ from every other seed's (a short xorshift stream), and their digests. */
function payload(seed: number, size: number): { bytes: Buffer; sha256: string; md5: string } {
  const bytes = Buffer.alloc(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes.writeUInt32LE(x >>> 0, i);
  }
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

describe('replacing an object in the embedded S3 server, as S3 does: atomically', () => {
  const bucket = 'shop-curated';
  const size = 8 * 1024 * 1024;
  let directory: string;
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 's3-server-atomic-'));
    server = await startS3Server({ directory, buckets: [bucket] });
    s3 = new S3Client(s3ClientConfig(server.endpoint));
  });

  afterAll(async () => {
    s3.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** GET the object: its body's SHA-256 and whether its ETag is the body's MD5. */
  async function read(key: string): Promise<{ sha256: string; etagMatches: boolean; length: number }> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    const md5 = createHash('md5').update(body).digest('hex');
    return {
      sha256: createHash('sha256').update(body).digest('hex'),
      etagMatches: out.ETag === `"${md5}"` && out.ContentLength === body.byteLength,
      length: body.byteLength,
    };
  }

  /** Start a PUT of `bytes` whose body the test feeds: the first half now, the rest on `finish`. */
  function halfSentPut(key: string, bytes: Buffer, abort?: AbortController) {
    const body = new PassThrough();
    const put = s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: bytes.byteLength }),
      abort ? { abortSignal: abort.signal } : {},
    );
    put.catch(() => undefined);
    body.write(bytes.subarray(0, bytes.byteLength / 2));
    return { put, finish: () => body.end(bytes.subarray(bytes.byteLength / 2)) };
  }

  it('serves the old object whole while a rewrite is half uploaded, then the new one whole', async () => {
    // Prepare
    const key = 'curated/order_lines/order_date=2026-11-26/batch-part-0.parquet';
    const before = payload(1, size);
    const after = payload(2, size);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: before.bytes }));

    // Act
    const rewrite = halfSentPut(key, after.bytes);
    const during = [];
    for (let i = 0; i < 12; i += 1) during.push(await read(key));
    rewrite.finish();
    await rewrite.put;
    const settled = await read(key);

    // Assess
    for (const seen of during)
      expect(seen).toEqual({ sha256: before.sha256, etagMatches: true, length: size });
    expect(settled).toEqual({ sha256: after.sha256, etagMatches: true, length: size });
  });

  it('gives every reader the old or the new object, never a mix, while two writers race on one key', async () => {
    // Prepare
    const key = 'curated/customers/batch-part-0.parquet';
    const versions = [payload(3, size), payload(4, size), payload(5, size)];
    const [first, ...rewrites] = versions as [ReturnType<typeof payload>, ...ReturnType<typeof payload>[]];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: first.bytes }));

    // Act
    const writes = Promise.all(
      rewrites.map((v) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: v.bytes }))),
    );
    const reads = Promise.all(Array.from({ length: 12 }, () => read(key)));
    const [, seen] = await Promise.all([writes, reads]);
    const settled = await read(key);

    // Assess
    const whole = versions.map((v) => v.sha256);
    for (const one of seen) {
      expect(whole).toContain(one.sha256);
      expect(one.etagMatches).toBe(true);
    }
    expect(rewrites.map((v) => v.sha256)).toContain(settled.sha256);
  });

  it('keeps the old object when an upload is cut off mid-body, as a killed writer leaves it', async () => {
    // Prepare
    const key = 'enriched/source=dummyjson/batch/order_lines.ndjson';
    const before = payload(6, size);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: before.bytes }));
    const abort = new AbortController();

    // Act
    const cut = halfSentPut(key, payload(7, size).bytes, abort);
    await read(key);
    abort.abort();
    const outcome = await cut.put.then(
      () => 'stored',
      () => 'failed',
    );
    const seen = [];
    for (let i = 0; i < 4; i += 1) seen.push(await read(key));

    // Assess
    expect(outcome).toBe('failed');
    for (const one of seen) expect(one).toEqual({ sha256: before.sha256, etagMatches: true, length: size });
  });

  it('copies, lists and deletes objects it wrote, leaving no staging files in any bucket', async () => {
    // Prepare
    const key = 'rejects/source=files/batch/rejects.ndjson';
    const body = payload(8, 1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body.bytes }));

    // Act
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: `${key}.copy`, CopySource: `${bucket}/${key}` }),
    );
    const copied = await read(`${key}.copy`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'rejects/' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${key}.copy` }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'rejects/' }));

    // Assess
    expect(copied).toEqual({ sha256: body.sha256, etagMatches: true, length: 1024 });
    expect(listed.Contents?.map((o) => [o.Key, o.Size, o.ETag])).toEqual([
      [key, 1024, `"${body.md5}"`],
      [`${key}.copy`, 1024, `"${body.md5}"`],
    ]);
    expect(after.KeyCount).toBe(0);
    expect(await readdir(join(directory, bucket))).not.toContain('rejects');
  });
});
