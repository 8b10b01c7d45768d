/**
 * The measured side of bench/ingest-files.ts: ingest one landing object through `runIngestFile`
 * and print what it measured as one JSON line. Its own entry file, importing only what the ingest
 * function's file path does (the stage and one object store), so the RSS it reports is ingest's.
 *
 *   node --import tsx bench/ingest-files-child.ts s3 <endpoint> <bucket> <key> <eTag>
 *   node --import tsx bench/ingest-files-child.ts fs <root> <bucket> <key> <eTag>
 */
import type { ObjectStore } from '../shared/adapters/object-store';
import { createLogger } from '../shared/logger';
import { runIngestFile } from '../shared/stages/ingest-files';

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

async function storeFor(kind: string, location: string): Promise<ObjectStore> {
  if (kind === 'fs') {
    const { FsObjectStore } = await import('../shared/adapters/fs-object-store');
    return new FsObjectStore(location);
  }
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { S3ObjectStore } = await import('../shared/adapters/object-store');
  return new S3ObjectStore(
    new S3Client({
      endpoint: location,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
}

const [kind = 'fs', location = '', bucket = '', key = '', eTag = ''] = process.argv.slice(2);
const store = await storeFor(kind, location);
const baselineRssMb = mb(process.resourceUsage().maxRSS * 1024); // maxRSS is in kilobytes
const sampled = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  for (const name of Object.keys(sampled) as (keyof typeof sampled)[]) {
    sampled[name] = Math.max(sampled[name], mb(usage[name]));
  }
}, 25);
const started = performance.now();
const manifest = await runIngestFile(
  { store, config: { rawBucket: bucket }, log: createLogger('silent') },
  { bucket, key, eTag },
);
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({
    records: manifest?.totals.orders ?? -1,
    parts: manifest?.files.length ?? 0,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    baselineRssMb,
    heapUsedMb: mb(process.memoryUsage().heapUsed),
    sampled,
  })}\n`,
);
process.exit(0);
