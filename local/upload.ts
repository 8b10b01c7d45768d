import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { PREFIX } from '../shared/constants';
import { DEFAULT_PART_SIZE, MIN_PART_SIZE, type UploadedFile, uploadFile } from './bucket-upload';
import { contentType, LandingFileError, landingFiles } from './landing-upload';
import { createUploadProgress, formatBytes } from './progress';
import { s3ClientConfig } from './s3-server';

/**
 * `npm run upload -- PATH... [--bucket B] [--prefix landing/]`: put local files into a bucket, on AWS
 * or on an S3-compatible server (the embedded stack), streamed (multipart above the part size), each
 * with its SHA-256 and checked after the upload.
 */
const USAGE = `usage: npm run upload -- PATH... [options]
  PATH                  files or folders; under landing/ only the names ingest knows, folders flat
  --bucket NAME         target bucket (default with --local: shop-pipeline-raw-local)
  --prefix PREFIX       key prefix (default landing/, which the pipeline ingests from)
  --local               the embedded stack of npm run dev (S3 at http://127.0.0.1:4569)
  --endpoint URL        another S3-compatible server taking s3rver's keys (S3RVER/S3RVER)
  --region REGION       AWS region (default: the SDK's, from AWS_REGION or the profile)
  --part-size MB        multipart part size in MiB, at least 5 (default 8); smaller files go in one PUT
  --help
Without --local or --endpoint it uploads to Amazon S3 with the SDK's default credentials; S3 checks a
SHA-256 of every part on arrival, and the object's checksum is compared with the file's. Elsewhere the
object is read back and hashed. Progress is drawn on stderr when it is a terminal.`;

/** The embedded stack of `npm run dev` (local/cli.ts DEV_PORTS, local/stack.ts LOCAL_BUCKETS). */
const DEV_STACK = { endpoint: 'http://127.0.0.1:4569', bucket: 'shop-pipeline-raw-local' };

class UsageError extends Error {}

/** A local file and the key it is put under. */
export interface PlannedUpload {
  path: string;
  key: string;
  bytes: number;
}

/**
 * The keys the given paths land on under a prefix. Under `landing/` the pipeline's file contract
 * applies (as `npm start -- --files`: a name ingest does not know is refused before anything is
 * sent, folders give their contract-named files, flat); elsewhere every file, folders recursively
 * with their relative paths.
 */
export async function planUpload(paths: readonly string[], prefix: string): Promise<PlannedUpload[]> {
  const normalised = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const pairs: { path: string; key: string }[] = [];
  if (normalised.startsWith(PREFIX.landing)) {
    for (const path of await landingFiles(paths)) pairs.push({ path, key: normalised + basename(path) });
  } else {
    for (const path of paths) {
      const info = await stat(path).catch(() => undefined);
      if (!info) throw new LandingFileError(`${path}: no such file or folder`);
      const files = info.isDirectory() ? await walk(path) : [path];
      for (const file of files) {
        const name = info.isDirectory() ? relative(path, file).split(sep).join('/') : basename(file);
        pairs.push({ path: file, key: normalised + name });
      }
    }
  }
  const seen = new Map<string, string>();
  for (const { path, key } of pairs) {
    const other = seen.get(key);
    if (other) throw new LandingFileError(`${other} and ${path} would both be put as ${key}`);
    seen.set(key, path);
  }
  return Promise.all(pairs.map(async (p) => ({ ...p, bytes: (await stat(p.path)).size })));
}

async function walk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

const typeOf = (key: string) =>
  /\.(gz|csv|jsonl|json)$/i.test(key) ? contentType(key) : 'application/octet-stream';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      bucket: { type: 'string' },
      prefix: { type: 'string', default: PREFIX.landing },
      local: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'part-size': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or folder');
  if (values.local && values.endpoint) throw new UsageError('--local and --endpoint exclude each other');
  const endpoint = values.local ? DEV_STACK.endpoint : values.endpoint;
  const bucket = values.bucket ?? (values.local ? DEV_STACK.bucket : undefined);
  if (!bucket) throw new UsageError('--bucket is needed (or --local for the embedded stack)');
  const partMiB = values['part-size'] === undefined ? undefined : Number(values['part-size']);
  if (partMiB !== undefined && !(partMiB * 1024 * 1024 >= MIN_PART_SIZE)) {
    throw new UsageError('--part-size is in MiB and at least 5');
  }
  const partSize = partMiB === undefined ? DEFAULT_PART_SIZE : Math.floor(partMiB * 1024 * 1024);

  const files = await planUpload(positionals, values.prefix);
  // S3-compatible servers get path-style URLs and no aws-chunked checksum trailers (see s3ClientConfig).
  const s3 = new S3Client(
    endpoint ? s3ClientConfig(endpoint) : values.region ? { region: values.region } : {},
  );
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const progress = createUploadProgress({ enabled: process.stderr.isTTY === true, totalBytes });
  const started = Date.now();
  const uploaded: UploadedFile[] = [];
  try {
    for (const file of files) {
      progress.file(file.key, file.bytes);
      uploaded.push(
        await uploadFile(s3, {
          bucket,
          key: file.key,
          path: file.path,
          contentType: typeOf(file.key),
          partSize,
          serverChecksums: endpoint === undefined,
          onProgress: (loaded) => progress.sent(loaded),
        }),
      );
    }
  } finally {
    progress.stop();
    s3.destroy();
  }
  for (const u of uploaded) {
    const how = u.verifiedBy === 'checksum' ? "S3's ChecksumSHA256" : 'read back';
    process.stdout.write(
      `s3://${u.bucket}/${u.key}  ${formatBytes(u.bytes)}  ${u.parts} part(s)  sha256 ${u.sha256}  verified (${how})\n`,
    );
  }
  process.stdout.write(
    `${uploaded.length} file(s), ${formatBytes(totalBytes)} uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const e = error as { code?: string; message?: string };
      const usage =
        error instanceof UsageError ||
        error instanceof LandingFileError ||
        e.code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`upload failed: ${e.message}\n`);
      if (usage) process.stderr.write(`${USAGE}\n`);
      process.exitCode = usage ? 2 : 1;
    },
  );
}
