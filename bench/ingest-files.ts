/**
 * Bench: ingest one big JSON Lines drop (1 GiB by default) through the real stage
 * (`runIngestFile`: streamed read, gzip sniffing, the line reader, raw parts of 5,000 records, the
 * manifest last) in a child process of its own, and report its peak RSS
 * (`process.resourceUsage().maxRSS`) against the 256 MB budget, and its throughput.
 *
 *   npm run bench:ingest                          # 1 GiB through s3rver (the S3 SDK's streams)
 *   npm run bench:ingest -- --size-mb 256         # a smaller file
 *   npm run bench:ingest -- --store fs            # the filesystem ObjectStore instead of s3rver
 *   npm run bench:ingest -- --json                # the result as one JSON object on stdout
 *
 *   npm run bench:ingest -- --tsx                 # the child from sources under tsx (adds tsx's memory)
 *
 * The file is generated on disk, streamed, by the drop generator (`salesGenerator`: 2,000 customers,
 * 500 products, 1 % invalid events, some lines cut short). The child (bench/ingest-files-child.ts)
 * is bundled by esbuild, as the function is deployed, and imports only the stage and one object
 * store. The baseline is its RSS after its imports, before it reads a byte. Exits 1 when the peak
 * reaches the budget or when the manifest does not count every line written.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { salesGenerator } from '../local/generator';
import { s3ClientConfig, startS3Server } from '../local/s3-server';
import { FsObjectStore } from '../shared/adapters/fs-object-store';
import { S3ObjectStore } from '../shared/adapters/object-store';

const BUCKET = 'raw';
const KEY = 'landing/sales-bench.jsonl';
const BUDGET_MB = 256;
const MB = 1024 * 1024;

interface ChildReport {
  records: number;
  parts: number;
  seconds: number;
  peakRssMb: number;
  baselineRssMb: number;
  heapUsedMb: number;
  /** Peaks of process.memoryUsage() sampled every 25 ms, in MB. */
  sampled: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
}

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

/** Write JSON Lines events until the file reaches `bytes`; returns how many lines it holds. */
async function generateFile(path: string, bytes: number): Promise<number> {
  const sales = salesGenerator({ seed: 2026, customers: 2_000, products: 500, invalidRate: 0.01 });
  const out = createWriteStream(path, { highWaterMark: 4 * MB });
  let written = 0;
  let lines = 0;
  while (written < bytes) {
    let chunk = '';
    for (const text of sales.events(10_000, 'jsonl')) chunk += `${text}\n`;
    lines += 10_000;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return lines;
}

const CHILD = fileURLToPath(new URL('./ingest-files-child.ts', import.meta.url));

/** The child bundled by esbuild, as the ingest function is deployed (one file, no TypeScript loader). */
async function bundleChild(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(dir, 'ingest-files-child.mjs');
  await build({
    entryPoints: [CHILD],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle need a require.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** Ingest in a child process of its own, so the RSS it reports is ingest's alone. */
async function runChild(
  entry: { bundle: string } | { tsx: string },
  store: 's3' | 'fs',
  location: string,
  eTag: string,
): Promise<ChildReport> {
  const args = 'bundle' in entry ? [entry.bundle] : ['--import', 'tsx', entry.tsx];
  const proc = spawn(process.execPath, [...args, store, location, BUCKET, KEY, eTag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench child exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as ChildReport;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'size-mb': { type: 'string', default: '1024' },
      store: { type: 'string', default: 's3' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
    },
  });
  const sizeMb = Number(values['size-mb']);
  const store = values.store;
  if (!(sizeMb > 0) || (store !== 's3' && store !== 'fs')) {
    process.stderr.write(
      'usage: npm run bench:ingest -- [--size-mb N] [--store s3|fs] [--tsx] [--json] [--keep]\n',
    );
    return 2;
  }
  const say = (line: string) => process.stderr.write(`bench ingest: ${line}\n`);
  // Under the project's .data/ (gitignored): a shared /tmp may be cleaned by other processes.
  const base = resolve('.data', 'bench');
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'ingest-'));
  try {
    const file = join(dir, 'sales-bench.jsonl');
    let t0 = performance.now();
    const lines = await generateFile(file, sizeMb * MB);
    const size = (await stat(file)).size;
    say(
      `generated ${lines.toLocaleString('en')} lines, ${mb(size)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const entry = values.tsx ? { tsx: CHILD } : { bundle: await bundleChild(dir) };
    let report: ChildReport;
    t0 = performance.now();
    if (store === 's3') {
      const s3 = await startS3Server({ directory: join(dir, 's3'), buckets: [BUCKET] });
      const client = new S3Client(s3ClientConfig(s3.endpoint));
      try {
        const objects = new S3ObjectStore(client);
        await objects.putStream(
          BUCKET,
          KEY,
          createReadStream(file, { highWaterMark: 4 * MB }),
          'application/x-ndjson',
        );
        const { eTag } = await objects.head(BUCKET, KEY);
        say(
          `uploaded to s3rver in ${((performance.now() - t0) / 1000).toFixed(1)} s; ingesting in a child process...`,
        );
        report = await runChild(entry, 's3', s3.endpoint, eTag);
      } finally {
        client.destroy();
        await s3.close();
      }
    } else {
      const root = join(dir, 'fs');
      await mkdir(join(root, BUCKET, 'landing'), { recursive: true });
      await rename(file, join(root, BUCKET, KEY));
      const { eTag } = await new FsObjectStore(root).head(BUCKET, KEY);
      say('placed in the filesystem store; ingesting in a child process...');
      report = await runChild(entry, 'fs', root, eTag);
    }

    const result = {
      store,
      child: values.tsx ? 'tsx (sources)' : 'esbuild bundle',
      sizeMiB: mb(size),
      lines,
      ...report,
      mibPerSecond: Math.round((mb(size) / report.seconds) * 10) / 10,
      budgetMb: BUDGET_MB,
      withinBudget: report.peakRssMb < BUDGET_MB,
      everyLineCounted: report.records === lines,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      process.stdout.write(
        [
          `store            ${result.store}; child: ${result.child}`,
          `file             ${result.sizeMiB} MiB, ${lines.toLocaleString('en')} lines`,
          `records ingested ${report.records.toLocaleString('en')} in ${report.parts} parts`,
          `time             ${report.seconds} s (${result.mibPerSecond} MiB/s)`,
          `peak RSS         ${report.peakRssMb} MB (baseline after imports ${report.baselineRssMb} MB; budget ${BUDGET_MB} MB: ${result.withinBudget ? 'within' : 'OVER'})`,
          `peak / budget    ${(report.peakRssMb / BUDGET_MB).toFixed(2)}`,
          `heap used at end ${report.heapUsedMb} MB`,
          `sampled peaks    heap total ${report.sampled.heapTotal} MB, heap used ${report.sampled.heapUsed} MB, external ${report.sampled.external} MB (array buffers ${report.sampled.arrayBuffers} MB)`,
          '',
        ].join('\n'),
      );
    }
    return result.withinBudget && result.everyLineCounted ? 0 : 1;
  } finally {
    if (values.keep) say(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench ingest failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
