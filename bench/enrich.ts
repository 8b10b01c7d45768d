/**
 * Bench: enrich N order lines through the real stage (`runEnrich`: DummyJSON mapper, rules,
 * pricing, streamed NDJSON uploads) against s3rver, in a child process of its own, and report
 * rows/s and peak RSS (`process.resourceUsage().maxRSS`). Two sizes by default, 100k and 1M lines,
 * so the table shows whether memory grows with the number of lines.
 *
 *   npm run bench:enrich                         # 100,000 and 1,000,000 lines
 *   npm run bench:enrich -- --lines 1000000      # one size (comma-separate several)
 *   npm run bench:enrich -- --json               # one JSON object per size on stdout
 *   npm run bench:enrich -- --index-mb 4096      # keep the duplicate index in memory (no spill)
 *   npm run bench:enrich -- --record             # also keep the figures in bench/results.json (enrichAlone)
 *
 * The input is a seeded DummyJSON-shaped shop (2,000 users, 500 products, carts of 5 lines in pages
 * of 1,000 carts) with ~1 % invalid lines and a repeated cart every 1,000 (duplicates). The child
 * runs with the V8 flags serverless.yml gives the enrich function, and the duplicate index's
 * configured budget: past ~500k lines it spills to the temp folder (reported as `spill`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig, startS3Server } from '../local/s3-server';
import { S3ObjectStore } from '../shared/adapters/object-store';
import { compose } from '../shared/compose';
import { loadConfig } from '../shared/config';
import { manifestKeyIn, rawPageKey, rawRunPrefix } from '../shared/domain/layout';
import type { RawManifest } from '../shared/domain/manifest';
import { createLogger } from '../shared/logger';
import { runEnrich } from '../shared/stages/enrich';
import { type LambdaProcess, lambdaProcess } from './lambda-process';
import { sampleMemory } from './steps/step-io';

const USERS = 2_000;
const PRODUCTS = 500;
const LINES_PER_CART = 5;
const CARTS_PER_PAGE = 1_000;
const BUCKET = 'raw';

interface ChildReport {
  lines: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  baselineRssMb: number;
  heapUsedMb: number;
  orderLinesMb: number;
  conservation: { rows_in: number; clean: number; rejected: number; duplicates: number };
  /** Peaks of process.memoryUsage() (MB), read every 250 ms. */
  memoryPeaksMb: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** The duplicate index's spill to disk, when it spilled: from which line, keys, bytes, ms. */
  spill?: Record<string, unknown>;
  nodeFlags: string[];
}

/** mulberry32: seeded, identical on every platform. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Write a raw DummyJSON run of `lines` order lines (pages, then the manifest); returns the manifest key. */
async function writeRawRun(store: S3ObjectStore, lines: number): Promise<string> {
  const random = seeded(lines);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const prefix = rawRunPrefix('dummyjson', '2026-11-26', `bench${lines}`);
  const files: RawManifest['files'] = [];
  const put = async (entity: string, page: number, key: string, records: unknown[], extra: object) => {
    const pageKey = rawPageKey(prefix, entity, page);
    const body = JSON.stringify({ [key]: records, ...extra });
    await store.put(BUCKET, pageKey, body, 'application/json');
    files.push({
      key: pageKey,
      entity,
      records: records.length,
      url: `https://bench.invalid/${key}?page=${page}`,
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  };

  const users = Array.from({ length: USERS }, (_, i) => ({
    id: i + 1,
    firstName: `First${i + 1}`,
    lastName: `Last${i + 1}`,
    email: `user${i + 1}@example.com`,
    address: {
      address: `${i + 1} Main Street`,
      city: 'Springfield',
      state: 'IL',
      postalCode: '62701',
      country: 'United States',
    },
  }));
  await put('customers', 1, 'users', users, { total: USERS, skip: 0, limit: USERS });
  const prices = Array.from({ length: PRODUCTS }, () => int(99, 250_000));
  const categories = ['laptops', 'smartphones', 'groceries', 'furniture', 'beauty'];
  const products = prices.map((cents, i) => ({
    id: i + 1,
    title: `Product ${i + 1}`,
    category: categories[i % categories.length],
    brand: `Brand ${i % 17}`,
    price: cents / 100,
  }));
  await put('products', 1, 'products', products, { total: PRODUCTS, skip: 0, limit: PRODUCTS });

  const carts = Math.ceil(lines / LINES_PER_CART);
  let produced = 0;
  for (let page = 0; page * CARTS_PER_PAGE < carts; page += 1) {
    const records: unknown[] = [];
    for (let c = page * CARTS_PER_PAGE; c < Math.min(carts, (page + 1) * CARTS_PER_PAGE); c += 1) {
      const count = Math.min(LINES_PER_CART, lines - produced);
      produced += count;
      const id = c > 0 && c % 1000 === 0 ? c : c + 1; // every 1,000th cart repeats the one before it
      const line = (n: number) => {
        const roll = random();
        const productId = roll < 0.005 ? 99_999 : ((c * LINES_PER_CART + n) % PRODUCTS) + 1;
        const quantity = roll > 0.995 ? 0 : int(1, 6);
        const price = (prices[productId - 1] ?? 1999) / 100;
        return {
          id: productId,
          title: `Product ${productId}`,
          price,
          quantity,
          total: Math.round(price * quantity * 100) / 100,
          discountPercentage: int(0, 2000) / 100,
        };
      };
      records.push({
        id,
        userId: random() < 0.002 ? 99_999 : int(1, USERS),
        products: Array.from({ length: count }, (_, n) => line(n)),
      });
    }
    await put('orders', page + 1, 'carts', records, {
      total: carts,
      skip: page * CARTS_PER_PAGE,
      limit: CARTS_PER_PAGE,
    });
  }
  const manifest: RawManifest = {
    stage: 'ingest',
    source: 'dummyjson',
    run_id: `bench${lines}`,
    ingest_date: '2026-11-26',
    scheduled_time: '2026-11-26T03:00:00.000Z',
    ingested_at: '2026-11-26T03:00:05.000Z',
    files,
    totals: { customers: USERS, products: PRODUCTS, orders: carts },
  };
  await store.put(BUCKET, manifestKeyIn(prefix), JSON.stringify(manifest), 'application/json');
  return manifestKeyIn(prefix);
}

/** In the child: enrich one run and print what it measured as one JSON line. */
async function child(endpoint: string, key: string, indexMb: string): Promise<void> {
  let spill: Record<string, unknown> | undefined;
  const log = createLogger('info', {}, (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.message === 'duplicate index spilled to disk') spill = entry;
    else if (entry.level !== 'INFO' && entry.level !== 'info') process.stderr.write(`${line}\n`);
  });
  const rt = compose(
    loadConfig({
      RAW_BUCKET: BUCKET,
      CURATED_BUCKET: 'curated',
      S3_ENDPOINT: endpoint,
      LOG_LEVEL: 'warn',
      ENRICH_DUPLICATE_INDEX_MB: indexMb,
    }),
    { s3: new S3Client(s3ClientConfig(endpoint)), log },
  );
  const memory = sampleMemory(250);
  const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  const baselineRssMb = mb(process.resourceUsage().maxRSS * 1024);
  const started = performance.now();
  const manifest = await runEnrich(rt, { bucket: BUCKET, key });
  const seconds = (performance.now() - started) / 1000;
  const report: ChildReport = {
    lines: manifest.order_lines.rows_in,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(manifest.order_lines.rows_in / seconds),
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024), // maxRSS is in kilobytes
    baselineRssMb,
    heapUsedMb: mb(process.memoryUsage().heapUsed),
    orderLinesMb: mb(manifest.files.find((f) => f.table === 'order_lines')?.bytes ?? 0),
    conservation: manifest.order_lines,
    memoryPeaksMb: (({ heapTotal, heapUsed, external, arrayBuffers }) => ({
      heapTotal,
      heapUsed,
      external,
      arrayBuffers,
    }))(memory.peaks()),
    ...(spill
      ? {
          spill: Object.fromEntries(
            ['fromLine', 'lines', 'keys', 'spillBytes', 'duplicatesAhead', 'ms'].map((k) => [k, spill![k]]),
          ),
        }
      : {}),
    nodeFlags: [
      ...process.execArgv.filter((a) => a.startsWith('--max')),
      ...Object.entries(process.env)
        .filter(([name]) => name.startsWith('MALLOC_'))
        .map(([name, value]) => `${name}=${value}`),
    ],
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await rt.close();
}

function runChild(
  endpoint: string,
  key: string,
  lambda: LambdaProcess,
  indexMb: string,
): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        ...lambda.nodeFlags,
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        endpoint,
        key,
        indexMb,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, ...lambda.env },
      },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench child exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildReport);
    });
  });
}

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

/**
 * Keep the reports in bench/results.json under `enrichAlone`, one entry per duplicate-index budget
 * (`npm run bench` keeps that key when it rewrites the file).
 */
async function record(reports: ChildReport[], indexMb: string | undefined): Promise<void> {
  const results = JSON.parse(await readFile(RESULTS, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const enrichAlone = (results.enrichAlone ?? {}) as Record<string, unknown>;
  enrichAlone[indexMb === undefined ? 'functionSettings' : `indexMb${indexMb}`] = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench:enrich -- ${process.argv.slice(2).join(' ')}`,
    reports,
  };
  results.enrichAlone = enrichAlone;
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return child(argv[1]!, argv[2]!, argv[3]!);
  // The duplicate index's memory budget (MB); default the enrich function's (serverless.yml).
  const indexAt = argv.indexOf('--index-mb');
  const json = argv.includes('--json');
  const at = argv.indexOf('--lines');
  const sizes = (at >= 0 ? argv[at + 1]! : '100000,1000000').split(',').map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new Error('--lines takes positive integers, comma separated');

  const dir = await mkdtemp(join(tmpdir(), 'bench-enrich-'));
  const s3 = await startS3Server({ directory: dir, buckets: [BUCKET] });
  const client = new S3Client(s3ClientConfig(s3.endpoint));
  try {
    const store = new S3ObjectStore(client);
    const reports: ChildReport[] = [];
    for (const lines of sizes) {
      process.stderr.write(
        `bench enrich: writing a raw run of ${lines.toLocaleString('en')} lines to s3rver...\n`,
      );
      const key = await writeRawRun(store, lines);
      process.stderr.write('bench enrich: enriching in a child process...\n');
      const lambda = await lambdaProcess('enrich');
      const indexMb =
        indexAt >= 0 ? argv[indexAt + 1]! : (lambda.variables.ENRICH_DUPLICATE_INDEX_MB ?? '16');
      const report = await runChild(s3.endpoint, key, lambda, indexMb);
      reports.push(report);
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    }
    if (argv.includes('--record')) await record(reports, indexAt >= 0 ? argv[indexAt + 1]! : undefined);
    if (!json) {
      const rows = reports.map((r) => [
        r.lines.toLocaleString('en'),
        r.seconds.toFixed(2),
        r.rowsPerSecond.toLocaleString('en'),
        r.peakRssMb.toFixed(1),
        r.baselineRssMb.toFixed(1),
        r.heapUsedMb.toFixed(1),
        r.orderLinesMb.toFixed(1),
        `${r.conservation.clean}/${r.conservation.rejected}/${r.conservation.duplicates}`,
        r.spill ? `from ${r.spill.fromLine}, ${r.spill.ms} ms` : '-',
      ]);
      const head = [
        'lines',
        'seconds',
        'rows/s',
        'peak RSS MB',
        'baseline RSS MB',
        'heap MB',
        'out MB',
        'clean/rejected/dup',
        'spill',
      ];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const row of [head, ...rows]) {
        process.stdout.write(`${row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}\n`);
      }
    }
  } finally {
    client.destroy();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
