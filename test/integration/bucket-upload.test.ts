import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digestFile,
  MIN_PART_SIZE,
  UploadVerificationError,
  uploadFile,
  verifyObject,
} from '../../local/bucket-upload';
import { createUploadProgress } from '../../local/progress';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { planUpload } from '../../local/upload';

const root = resolve(import.meta.dirname, '../..');
const BUCKET = 'shop-raw';

/** Bytes from a seed (xorshift32): not all zeros, so a part sent twice or out of order shows. */
function seededBytes(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i += 1) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer).subarray(0, size);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('npm run upload against the embedded stack (real s3rver)', () => {
  let dir: string;
  let server: S3Server;
  let s3: S3Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bucket-upload-'));
    server = await startS3Server({ directory: join(dir, 's3'), buckets: [BUCKET] });
    s3 = new S3Client(s3ClientConfig(server.endpoint));
  });
  afterAll(async () => {
    s3.destroy();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a file bigger than the part size in parts, and what the bucket holds is the file', async () => {
    // Prepare: two full 5 MiB parts and a short third one
    const content = seededBytes(2 * MIN_PART_SIZE + 12_345, 7);
    const path = join(dir, 'sales-big.jsonl');
    await writeFile(path, content);
    const progress: number[] = [];
    // What the client sends, recorded at its edge: the multipart calls and each part's size
    const client = new S3Client(s3ClientConfig(server.endpoint));
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number; Body?: Uint8Array };
        sent.push(
          input.PartNumber === undefined
            ? String(context.commandName)
            : `${context.commandName} ${input.PartNumber} ${input.Body?.byteLength}`,
        );
        return next(args);
      },
      { step: 'initialize' },
    );

    // Act
    const uploaded = await uploadFile(client, {
      bucket: BUCKET,
      key: 'landing/sales-big.jsonl',
      path,
      contentType: 'application/x-ndjson',
      partSize: MIN_PART_SIZE,
      serverChecksums: false,
      onProgress: (loaded) => progress.push(loaded),
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'landing/sales-big.jsonl' }));
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'landing/sales-big.jsonl' }))
    ).Body?.transformToByteArray();

    // Assess
    expect(uploaded).toEqual({
      bucket: BUCKET,
      key: 'landing/sales-big.jsonl',
      bytes: content.length,
      parts: 3,
      sha256: sha256(content),
      eTag: createHash('md5').update(content).digest('hex'),
      verifiedBy: 'read-back',
    });
    client.destroy();
    expect(sent.sort()).toEqual([
      'CompleteMultipartUploadCommand',
      'CreateMultipartUploadCommand',
      'GetObjectCommand',
      'HeadObjectCommand',
      `UploadPartCommand 1 ${MIN_PART_SIZE}`,
      `UploadPartCommand 2 ${MIN_PART_SIZE}`,
      'UploadPartCommand 3 12345',
    ]);
    expect(head.ETag?.replace(/"/g, '')).toBe(uploaded.eTag);
    expect(head.Metadata).toEqual({ sha256: sha256(content) });
    expect(head.ContentType).toBe('application/x-ndjson');
    expect(sha256(body ?? new Uint8Array())).toBe(sha256(content));
    expect(progress.at(-1)).toBe(content.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('sends a file no bigger than the part size in one PUT', async () => {
    // Prepare
    const content = Buffer.from('{"event_id":"e-1"}\n');
    const path = join(dir, 'sales-small.jsonl');
    await writeFile(path, content);

    // Act
    const uploaded = await uploadFile(s3, {
      bucket: BUCKET,
      key: 'landing/sales-small.jsonl',
      path,
      contentType: 'application/x-ndjson',
      serverChecksums: false,
    });

    // Assess
    expect(uploaded.parts).toBe(1);
    expect(uploaded.eTag).toBe(createHash('md5').update(content).digest('hex'));
    expect(uploaded.verifiedBy).toBe('read-back');
  });

  it('refuses an object whose bytes differ from the file even when size and metadata agree', async () => {
    // Prepare: same length, same sha256 metadata, one byte changed
    const content = Buffer.from('customer_id,first_name\nc-1,Ada\n');
    const path = join(dir, 'customers-tampered.csv');
    await writeFile(path, content);
    const digest = await digestFile(path, MIN_PART_SIZE);
    const tampered = Buffer.from(content);
    tampered[tampered.length - 2] = 'b'.charCodeAt(0);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'landing/customers-tampered.csv',
        Body: tampered,
        Metadata: { sha256: digest.sha256 },
      }),
    );

    // Act
    const verified = verifyObject(s3, BUCKET, 'landing/customers-tampered.csv', digest);

    // Assess
    await expect(verified).rejects.toBeInstanceOf(UploadVerificationError);
    await expect(verified).rejects.toThrow(`reads back with sha256 ${sha256(tampered)}`);
  });

  it('runs as a CLI: uploads a folder under landing/, prints one verified line a file, draws no progress off a terminal', async () => {
    // Prepare
    const drop = join(dir, 'drop');
    await mkdir(drop);
    await writeFile(join(drop, 'customers.csv'), 'customer_id,first_name\nc-1,Ada\n');
    await writeFile(join(drop, 'sales.jsonl'), '{"event_id":"e-1"}\n');
    await writeFile(join(drop, 'notes.txt'), 'not a landing file: skipped in a folder');

    // Act
    const out = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/upload.ts', drop, '--endpoint', server.endpoint, '--bucket', BUCKET],
      { cwd: root, timeout: 60_000 },
    );
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'landing/' }));

    // Assess
    // stderr holds at most Node's own warnings (the SDK's Node 20 notice): no bar, no escape codes
    expect(out.stderr).not.toContain('upload ');
    expect(out.stderr).not.toContain('\u001b[');
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(
        `^s3://${BUCKET}/landing/customers.csv {2}31 B {2}1 part\\(s\\) {2}sha256 [0-9a-f]{64} {2}verified \\(read back\\)$`,
      ),
    );
    expect(lines[1]).toContain(`s3://${BUCKET}/landing/sales.jsonl`);
    expect(lines[2]).toMatch(/^2 file\(s\), 50 B uploaded in \d+\.\d s$/);
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(
      expect.arrayContaining(['landing/customers.csv', 'landing/sales.jsonl']),
    );
    expect((listed.Contents ?? []).map((o) => o.Key)).not.toContain('landing/notes.txt');
  });

  it('refuses, before sending anything, a file under landing/ whose name ingest does not know', async () => {
    // Prepare
    const path = join(dir, 'orders.xlsx');
    await writeFile(path, 'x');

    // Act
    const failed = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/upload.ts', path, '--endpoint', server.endpoint, '--bucket', BUCKET],
      { cwd: root, timeout: 60_000 },
    ).catch((error: { code: number; stderr: string }) => error);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'landing/orders' }));

    // Assess
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toContain('not a file name ingest knows');
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});

describe('planUpload (paths to keys)', () => {
  it('keeps relative paths under another prefix, folders recursively', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'plan-upload-'));
    await mkdir(join(dir, 'exports', '2026'), { recursive: true });
    await writeFile(join(dir, 'exports', 'a.parquet'), 'a');
    await writeFile(join(dir, 'exports', '2026', 'b.csv'), 'bb');

    // Act
    const plan = await planUpload([join(dir, 'exports')], 'backfill');
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(plan.map(({ key, bytes }) => ({ key, bytes }))).toEqual([
      { key: 'backfill/2026/b.csv', bytes: 2 },
      { key: 'backfill/a.parquet', bytes: 1 },
    ]);
  });
});

describe('verifyObject on Amazon S3 (mocked at the SDK edge)', () => {
  it("trusts S3's composite ChecksumSHA256 of a multipart object without reading it back, and refuses a wrong one", async () => {
    // Prepare: the composite checksum worked out here from the parts themselves
    const dir = await mkdtemp(join(tmpdir(), 'verify-s3-'));
    const content = seededBytes(MIN_PART_SIZE + 10, 3);
    const path = join(dir, 'f.bin');
    await writeFile(path, content);
    const digest = await digestFile(path, MIN_PART_SIZE);
    await rm(dir, { recursive: true, force: true });
    const parts = [content.subarray(0, MIN_PART_SIZE), content.subarray(MIN_PART_SIZE)].map((p) =>
      createHash('sha256').update(p).digest(),
    );
    const composite = `${createHash('sha256').update(Buffer.concat(parts)).digest('base64')}-2`;
    const s3 = mockClient(S3Client);
    const head = { ContentLength: content.length, Metadata: { sha256: sha256(content) }, ETag: '"e-2"' };
    s3.on(HeadObjectCommand)
      .resolvesOnce({ ...head, ChecksumSHA256: composite })
      .resolvesOnce({ ...head, ChecksumSHA256: `${'A'.repeat(43)}=-2` });
    const client = new S3Client({ region: 'eu-west-1' });

    // Act
    const verified = await verifyObject(client, 'b', 'k', digest);
    const wrong = verifyObject(client, 'b', 'k', digest);

    // Assess
    expect(verified).toEqual({ eTag: 'e-2', verifiedBy: 'checksum' });
    await expect(wrong).rejects.toThrow(`expected ${composite}`);
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'k',
      ChecksumMode: 'ENABLED',
    });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    s3.restore();
  });
});

describe('createUploadProgress', () => {
  it('draws nothing when not enabled, and a bar with the file name on a terminal', () => {
    // Prepare
    const quiet = new PassThrough();
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    const drawn: string[] = [];
    terminal.on('data', (chunk: Buffer) => drawn.push(chunk.toString()));

    // Act
    const off = createUploadProgress({ enabled: false, totalBytes: 100, stream: quiet });
    off.file('landing/a.csv', 100);
    off.sent(100);
    off.stop();
    const on = createUploadProgress({ enabled: true, totalBytes: 100, stream: terminal });
    on.file('landing/a.csv', 100);
    on.sent(100);
    on.stop();

    // Assess
    expect(quiet.read()).toBeNull();
    expect(drawn.join('')).toContain('100% 100 B/100 B');
    expect(drawn.join('')).toContain('landing/a.csv (100 B)');
  });
});
