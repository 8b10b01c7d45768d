import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../shared/adapters/object-store';
import { ObjectMissingError } from '../../shared/errors';

const s3Mock = mockClient(S3Client);

/** The part of an SDK streaming body the store reads. */
const streamOf = (text: string) =>
  ({
    transformToByteArray: async () => new TextEncoder().encode(text),
  }) as unknown as GetObjectCommandOutput['Body'];

const newStore = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }));

describe('S3ObjectStore', () => {
  afterEach(() => {
    s3Mock.reset();
  });

  it('returns the bytes of an object', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand, { Bucket: 'raw', Key: 'raw/a.json' }).resolves({ Body: streamOf('{"a":1}') });

    // Act
    const body = await newStore().get('raw', 'raw/a.json');

    // Assess
    expect(new TextDecoder().decode(body)).toBe('{"a":1}');
  });

  it('asks for a byte range with an inclusive Range header, and refuses an answer of another length', async () => {
    // Prepare: the first answer is the range, the second the whole object (a server ignoring Range)
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({ Body: streamOf('cdef') })
      .resolvesOnce({ Body: streamOf('abcdefgh') });

    // Act
    const range = await newStore().getRange('curated', 'k.parquet', 2, 5);
    const ignored = newStore().getRange('curated', 'k.parquet', 2, 5);

    // Assess
    expect(new TextDecoder().decode(range)).toBe('cdef');
    await expect(ignored).rejects.toThrow(/asked for bytes 2-5, got 8 bytes/);
    expect(s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'curated', Key: 'k.parquet', Range: 'bytes=2-5' },
      { Bucket: 'curated', Key: 'k.parquet', Range: 'bytes=2-5' },
    ]);
  });

  it('throws a transient ObjectMissingError naming bucket and key when the key does not exist', async () => {
    // Prepare
    const noSuchKey = Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    s3Mock.on(GetObjectCommand).rejects(noSuchKey);

    // Act
    const error = await newStore()
      .get('shop-raw', 'raw/missing/_manifest.json')
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(error).toBeInstanceOf(ObjectMissingError);
    const missing = error as ObjectMissingError;
    expect(missing.kind).toBe('transient');
    expect(missing.code).toBe('OBJECT_MISSING');
    expect(missing.bucket).toBe('shop-raw');
    expect(missing.key).toBe('raw/missing/_manifest.json');
    expect(missing.message).toContain('shop-raw');
    expect(missing.message).toContain('raw/missing/_manifest.json');
    expect(missing.cause).toBe(noSuchKey);
  });

  it('lets any other get error through unchanged', async () => {
    // Prepare
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    s3Mock.on(GetObjectCommand).rejects(denied);

    // Act
    const getting = newStore().get('shop-raw', 'raw/a.json');

    // Assess
    await expect(getting).rejects.toBe(denied);
  });

  it('follows continuation tokens across pages and returns the keys sorted', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'page-2',
        Contents: [
          { Key: 'raw/run/orders/part-00002.json', Size: 20 },
          { Key: 'raw/run/customers/part-00001.json', Size: 10 },
        ],
      })
      .resolvesOnce({
        IsTruncated: false,
        Contents: [{ Key: 'raw/run/_manifest.json', Size: 5 }, { Key: 'raw/run/orders/part-00001.json' }],
      });

    // Act
    const listed = await newStore().list('shop-raw', 'raw/run/');

    // Assess
    expect(listed).toEqual([
      { key: 'raw/run/_manifest.json', size: 5 },
      { key: 'raw/run/customers/part-00001.json', size: 10 },
      { key: 'raw/run/orders/part-00001.json', size: 0 },
      { key: 'raw/run/orders/part-00002.json', size: 20 },
    ]);
    const inputs = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'shop-raw', Prefix: 'raw/run/' },
      { Bucket: 'shop-raw', Prefix: 'raw/run/', ContinuationToken: 'page-2' },
    ]);
  });

  it('returns an empty list for an empty prefix', async () => {
    // Prepare
    s3Mock.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });

    // Act
    const listed = await newStore().list('shop-raw', 'raw/nothing/');

    // Assess
    expect(listed).toEqual([]);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(1);
  });

  it('puts an object with the exact bucket, key, body and content type', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});

    // Act
    await newStore().put('shop-raw', 'raw/run/_manifest.json', '{"stage":"ingest"}', 'application/json');

    // Assess
    const calls = s3Mock.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toStrictEqual({
      Bucket: 'shop-raw',
      Key: 'raw/run/_manifest.json',
      Body: '{"stage":"ingest"}',
      ContentType: 'application/json',
    });
  });
});
