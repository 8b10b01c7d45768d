/**
 * `npm run bench`: convert (and enrich + convert) through the real code paths on seeded data, the
 * DuckDB baseline on the same input, the Parquet writer candidates, and the functions' bundle sizes
 * and cold import times. Every measured step runs in its own process (peak RSS = that process's
 * maxRSS). Writes bench/results.json (`--out` to change; `--smoke` runs tiny sizes and writes to
 * the temp folder). Options: --sizes=100000,1000000 --writer-rows=200000 --days=7 --repeat=1
 * --enrich-max=1000000 --keep.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { build } from 'esbuild';
import { FsObjectStore } from '../shared/adapters/fs-object-store';
import { CONVERT_DEFAULTS } from '../shared/stages/convert';
import { measureFunctionBundles, measureWriterBundles } from './bundles';
import { writeEnrichedBatch } from './enriched-batch';
import { type LambdaProcess, lambdaProcess } from './lambda-process';
import { orderLines } from './order-lines';
import { writeRawRun } from './raw-batch';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'lake';
/** How often the convert step reads process.memoryUsage() (peaks of heap and external memory). */
const MEMORY_EVERY_MS = 250;

interface Options {
  smoke: boolean;
  sizes: number[];
  writerRows: number;
  days: number;
  repeat: number;
  enrichMax: number;
  keep: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const flag = (name: string) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = (name: string) => flag(name)?.split('=')[1];
  const smoke = Boolean(flag('smoke'));
  return {
    smoke,
    sizes: (value('sizes') ?? (smoke ? '2000,20000' : '100000,1000000')).split(',').map(Number),
    writerRows: Number(value('writer-rows') ?? (smoke ? 2000 : 200_000)),
    days: Number(value('days') ?? 7),
    repeat: Number(value('repeat') ?? 1),
    enrichMax: Number(value('enrich-max') ?? 1_000_000),
    keep: Boolean(flag('keep')),
    out:
      value('out') ?? (smoke ? join(tmpdir(), 'bench-results.smoke.json') : join(ROOT, 'bench/results.json')),
  };
}

type StepResult = Record<string, number | string | boolean | undefined | object> & {
  ms: number;
  maxRssMb: number;
};

/** A step's memory readings, kept as their peaks (MB): heap used and total, external, array buffers. */
function withMemoryPeaks(result: StepResult): StepResult {
  const { memory, ...rest } = result as StepResult & { memory?: Record<string, unknown> };
  if (!memory) return result;
  const { series: _series, s: _s, rss: _rss, ...peaks } = memory;
  return { ...rest, memoryPeaksMb: peaks } as StepResult;
}

/** Node's own defaults: no flags, the host's allocator settings. */
const NODE_DEFAULTS: LambdaProcess = { nodeFlags: [], env: {}, variables: {} };

/** Run a bundled step in a fresh node process (with these flags and variables); its JSON line. */
async function step(bundle: string, args: unknown, proc: LambdaProcess = NODE_DEFAULTS): Promise<StepResult> {
  const { stdout } = await run(process.execPath, [...proc.nodeFlags, bundle, JSON.stringify(args)], {
    maxBuffer: 16 * 1024 * 1024,
    // Bundles live in the temp folder; DuckDB (external, native) resolves from the project.
    env: { ...process.env, ...proc.env, NODE_PATH: join(ROOT, 'node_modules') } as NodeJS.ProcessEnv,
  });
  const line = stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as StepResult;
}

/** Run a step `repeat` times: the fastest run's figures, with the highest peak RSS seen. */
async function measured(
  bundle: string,
  args: unknown,
  repeat: number,
  proc: LambdaProcess = NODE_DEFAULTS,
): Promise<StepResult> {
  const runs: StepResult[] = [];
  for (let i = 0; i < repeat; i += 1) runs.push(await step(bundle, args, proc));
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { ...best, maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)), runs: runs.length };
}

async function bundleSteps(dir: string): Promise<Record<string, string>> {
  const steps = ['convert', 'enrich', 'duckdb-baseline', 'writer'];
  await build({
    entryPoints: steps.map((s) => join(ROOT, `bench/steps/${s}.ts`)),
    outdir: dir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outExtension: { '.js': '.cjs' },
    external: ['@duckdb/node-api', '@duckdb/node-bindings'],
    logLevel: 'warning',
  });
  await copyFile(
    join(ROOT, 'node_modules/parquet-wasm/node/parquet_wasm_bg.wasm'),
    join(dir, 'parquet_wasm_bg.wasm'),
  );
  await writeFile(join(dir, 'package.json'), '{"type":"commonjs"}');
  return Object.fromEntries(steps.map((s) => [s, join(dir, `${s}.cjs`)]));
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function duck() {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** Type of the first data page of the first column: 0 = DATA_PAGE (v1), 3 = DATA_PAGE_V2. */
async function dataPageVersion(path: string): Promise<string> {
  const db = await duck();
  const [meta] = (
    await db.runAndReadAll(
      `SELECT data_page_offset::BIGINT AS o FROM parquet_metadata('${path}') WHERE row_group_id = 0 LIMIT 1`,
    )
  ).getRowObjectsJson();
  db.closeSync();
  const handle = await open(path);
  const { buffer } = await handle.read(Buffer.alloc(8), 0, 8, Number(meta?.o));
  await handle.close();
  // Thrift compact: field 1 (i32) header 0x15, then the zigzag varint of the PageType.
  if (buffer[0] !== 0x15) return 'unknown';
  const type = (buffer[1] ?? 0) >> 1;
  return type === 0 ? 'v1 (DATA_PAGE)' : type === 3 ? 'v2 (DATA_PAGE_V2)' : `type ${type}`;
}

/** What DuckDB reads from a set of Parquet files: column types, count and money sums. */
async function readBack(glob: string) {
  const db = await duck();
  const source = `read_parquet('${glob}', hive_partitioning = false)`;
  const types = (await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson();
  const [sums] = (
    await db.runAndReadAll(
      `SELECT COUNT(*)::BIGINT::VARCHAR AS n, SUM(revenue)::VARCHAR AS revenue, SUM(net_profit)::VARCHAR AS net_profit FROM ${source}`,
    )
  ).getRowObjectsJson();
  db.closeSync();
  return { types: Object.fromEntries(types.map((t) => [t.column_name, t.column_type])), sums };
}

const EXPECTED_TYPES: Record<string, string> = {
  line_no: 'INTEGER',
  order_ts: 'TIMESTAMP WITH TIME ZONE',
  order_date: 'DATE',
  quantity: 'INTEGER',
  unit_price: 'DECIMAL(12,2)',
  discount_pct: 'DECIMAL(5,2)',
  revenue: 'DECIMAL(12,2)',
  net_profit: 'DECIMAL(12,2)',
  channel: 'VARCHAR',
  ingested_at: 'TIMESTAMP WITH TIME ZONE',
};

/** Seeded order lines as one NDJSON file, with the exact sums a correct writer must reproduce. */
async function writeLines(path: string, rows: number, days: number) {
  const out = createWriteStream(path);
  let revenue = 0n;
  let netProfit = 0n;
  let pending = '';
  for (const line of orderLines(rows, { days })) {
    revenue += BigInt(line.revenue_cents);
    netProfit += BigInt(line.net_profit_cents);
    pending += `${JSON.stringify(line)}\n`;
    if (pending.length > 1 << 20) {
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  out.end(pending);
  await once(out, 'finish');
  const cents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;
  return { n: String(rows), revenue: cents(revenue), net_profit: cents(netProfit) };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), 'bench-'));
  const log = (message: string) => process.stderr.write(`${message}\n`);
  log(`bench: work folder ${work}`);
  const steps = await bundleSteps(join(work, 'steps'));
  const parquet = {
    rowGroupRows: CONVERT_DEFAULTS.rowGroupRows,
    targetFileBytes: CONVERT_DEFAULTS.targetFileBytes,
  };
  // Steps run with the V8 flags their function gets in Lambda (serverless.yml NODE_OPTIONS).
  const convertProcess = await lambdaProcess('convert');
  const enrichProcess = await lambdaProcess('enrich');
  const results: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryMb: Math.round(totalmem() / 1024 / 1024),
      platform: `${process.platform}-${process.arch}`,
    },
    settings: {
      ...parquet,
      ...CONVERT_DEFAULTS,
      days: options.days,
      repeat: options.repeat,
      lambdaProcess: { convert: convertProcess, enrich: enrichProcess },
    },
  };

  // --- convert, and the DuckDB baseline on the same input, at each size
  const sizes: Record<string, unknown> = {};
  for (const size of options.sizes) {
    log(`bench: ${size} order lines: preparing the enriched batch`);
    const root = join(work, `store-${size}`);
    const store = new FsObjectStore(root);
    const { key, manifest } = await writeEnrichedBatch(store, BUCKET, { lines: size, days: options.days });
    const linesFile = manifest.files.find((f) => f.table === 'order_lines')!;
    const batchRows = manifest.files.reduce((n, f) => n + f.rows, 0);
    log('bench:   convert');
    // Sizes past a million run once: a 10M run takes minutes, and it is there for its peak RSS.
    const repeat = size > 1_000_000 ? 1 : options.repeat;
    const convert = withMemoryPeaks(
      await measured(
        steps.convert!,
        { root, bucket: BUCKET, key, ...parquet, memoryEveryMs: MEMORY_EVERY_MS },
        repeat,
        convertProcess,
      ),
    );
    const ours = await readBack(join(root, BUCKET, 'curated/order_lines/*/*.parquet'));
    // The same input with V8's defaults: Node sizes the heap (young generation too) from the host's
    // memory, so RSS grows with garbage V8 has no reason to collect; what Lambda would do without
    // the explicit flags (its bootstrap sizes the heap from the function's memory instead).
    log('bench:   convert, V8 defaults');
    const convertV8Defaults = withMemoryPeaks(
      await measured(
        steps.convert!,
        { root, bucket: BUCKET, key, ...parquet, memoryEveryMs: MEMORY_EVERY_MS },
        repeat,
      ),
    );
    // Lambda's flags with a forced GC every 2 s to read the live heap: what is really held.
    log(`bench:   convert, ${convertProcess.nodeFlags.join(' ')}, live heap sampled`);
    const convertHeapCapped = await measured(
      steps.convert!,
      { root, bucket: BUCKET, key, ...parquet, liveHeapEveryMs: 2000 },
      1,
      { ...convertProcess, nodeFlags: [...convertProcess.nodeFlags, '--expose-gc'] },
    );
    const input = join(root, BUCKET, linesFile.key);
    log('bench:   duckdb baseline');
    const single = join(work, `duck-${size}.parquet`);
    const duckdb = await measured(
      steps['duckdb-baseline']!,
      { input, output: single, partitioned: false, rows: size },
      repeat,
    );
    const partitionedOut = join(work, `duck-${size}-by-date`);
    const duckdbPartitioned = await measured(
      steps['duckdb-baseline']!,
      { input, output: partitionedOut, partitioned: true, rows: size },
      repeat,
    );
    const baseline = await readBack(single);
    const oursRate = rate(batchRows, convert.ms);
    const entry: Record<string, unknown> = {
      input: { orderLines: size, batchRows, ndjsonMb: mb(manifest.files.reduce((n, f) => n + f.bytes, 0)) },
      convert: { ...convert, rowsPerSec: oursRate, outputMb: mb(Number(convert.bytes)) },
      convertV8Defaults: { ...convertV8Defaults, rowsPerSec: rate(batchRows, convertV8Defaults.ms) },
      convertHeapCapped: {
        ...convertHeapCapped,
        nodeFlags: [...convertProcess.nodeFlags, '--expose-gc'].join(' '),
        rowsPerSec: rate(batchRows, convertHeapCapped.ms),
      },
      duckdb: { ...duckdb, rowsPerSec: rate(size, duckdb.ms), outputMb: mb(Number(duckdb.bytes)) },
      duckdbPartitioned: {
        ...duckdbPartitioned,
        rowsPerSec: rate(size, duckdbPartitioned.ms),
        outputMb: mb(Number(duckdbPartitioned.bytes)),
      },
      ratioToDuckdb: Math.round((oursRate / rate(size, duckdb.ms)) * 1000) / 1000,
      ratioToDuckdbPartitioned: Math.round((oursRate / rate(size, duckdbPartitioned.ms)) * 1000) / 1000,
      sameSumsAsDuckdb: JSON.stringify(ours.sums) === JSON.stringify(baseline.sums),
      sums: ours.sums,
    };
    if (!options.keep) await rm(root, { recursive: true, force: true });
    await rm(single, { force: true });

    // One order date: an API run (no order time, so every line has the ingestion date) looks like this.
    log('bench:   convert, one order date');
    const oneDateRoot = join(work, `store-${size}-one-date`);
    const oneDate = await writeEnrichedBatch(new FsObjectStore(oneDateRoot), BUCKET, {
      lines: size,
      days: 1,
    });
    const convertOneDate = await measured(
      steps.convert!,
      { root: oneDateRoot, bucket: BUCKET, key: oneDate.key, ...parquet },
      repeat,
      convertProcess,
    );
    entry.convertOneDate = {
      ...convertOneDate,
      rowsPerSec: rate(batchRows, convertOneDate.ms),
      outputMb: mb(Number(convertOneDate.bytes)),
    };
    if (!options.keep) await rm(oneDateRoot, { recursive: true, force: true });
    await rm(partitionedOut, { recursive: true, force: true });

    if (size <= options.enrichMax) {
      log('bench:   enrich + convert from raw DummyJSON pages');
      const rawRoot = join(work, `raw-${size}`);
      const raw = await writeRawRun(new FsObjectStore(rawRoot), BUCKET, { lines: size });
      const enrich = await measured(
        steps.enrich!,
        { root: rawRoot, bucket: BUCKET, key: raw.key },
        1,
        enrichProcess,
      );
      const then = await measured(
        steps.convert!,
        { root: rawRoot, bucket: BUCKET, key: enrich.enrichedManifestKey, ...parquet },
        1,
        convertProcess,
      );
      const totalMs = enrich.ms + then.ms;
      entry.enrichConvert = {
        rawLines: raw.lines,
        enrich: { ...enrich, rowsPerSec: rate(raw.lines, enrich.ms) },
        convert: { ...then, rowsPerSec: rate(Number(then.rows), then.ms) },
        totalMs: Math.round(totalMs),
        linesPerSec: rate(raw.lines, totalMs),
      };
      if (!options.keep) await rm(rawRoot, { recursive: true, force: true });
    }
    sizes[String(size)] = entry;
    log(
      `bench:   ours ${oursRate} rows/s, ${convert.maxRssMb} MB peak; duckdb ${rate(size, duckdb.ms)} rows/s; ratio ${entry.ratioToDuckdb}`,
    );
  }
  results.sizes = sizes;

  // --- Parquet writer candidates on the same NDJSON order lines, one file each
  log(`bench: writer candidates on ${options.writerRows} order lines`);
  const linesPath = join(work, 'writers-input.ndjson');
  const exact = await writeLines(linesPath, options.writerRows, options.days);
  const writers: Record<string, unknown> = {};
  for (const candidate of ['hyparquet-writer', 'parquet-wasm', '@dsnp/parquetjs']) {
    const output = join(work, `writer-${candidate.replace(/[@/]/g, '_')}.parquet`);
    const figures = await measured(
      steps.writer!,
      { candidate, input: linesPath, output, rowGroupRows: parquet.rowGroupRows },
      options.repeat,
    );
    const back = await readBack(output);
    writers[candidate] = {
      ...figures,
      rowsPerSec: rate(options.writerRows, figures.ms),
      outputMb: mb(Number(figures.bytes)),
      typesAsWarehouse: Object.entries(EXPECTED_TYPES).every(([c, t]) => back.types[c] === t),
      types: Object.fromEntries(Object.keys(EXPECTED_TYPES).map((c) => [c, back.types[c]])),
      sumsExact: JSON.stringify(back.sums) === JSON.stringify(exact),
      sums: back.sums,
      dataPages: await dataPageVersion(output),
    };
  }
  const duckOut = join(work, 'writer-duckdb.parquet');
  const duckFigures = await measured(
    steps['duckdb-baseline']!,
    { input: linesPath, output: duckOut, partitioned: false, rows: options.writerRows },
    options.repeat,
  );
  const duckBack = await readBack(duckOut);
  writers.duckdb = {
    ...duckFigures,
    rowsPerSec: rate(options.writerRows, duckFigures.ms),
    outputMb: mb(Number(duckFigures.bytes)),
    typesAsWarehouse: Object.entries(EXPECTED_TYPES).every(([c, t]) => duckBack.types[c] === t),
    types: Object.fromEntries(Object.keys(EXPECTED_TYPES).map((c) => [c, duckBack.types[c]])),
    sumsExact: JSON.stringify(duckBack.sums) === JSON.stringify(exact),
    sums: duckBack.sums,
    dataPages: await dataPageVersion(duckOut),
  };
  results.writers = { rows: options.writerRows, exactSums: exact, candidates: writers };

  // --- bundles and cold import times
  log('bench: bundles and cold import times');
  const bundleDir = join(work, 'bundles');
  await mkdir(bundleDir, { recursive: true });
  const runs = options.smoke ? 3 : 7;
  results.functionBundles = await measureFunctionBundles(bundleDir, runs);
  results.writerBundles = await measureWriterBundles(bundleDir, runs);

  // Keep what `npm run bench:enrich -- --record` and `bench/convert-rss.ts --record` put there.
  const previous = JSON.parse(await readFile(options.out, 'utf8').catch(() => '{}')) as Record<
    string,
    unknown
  >;
  if (previous.enrichAlone) results.enrichAlone = previous.enrichAlone;
  if (previous.convertRss) results.convertRss = previous.convertRss;
  await writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`bench: figures written to ${options.out}`);
  printSummary(results);
  if (!options.keep) await rm(work, { recursive: true, force: true });
  else log(`bench: kept ${work}`);
  const wrong = wrongResults(results);
  if (wrong.length > 0) throw new Error(`bench: our output is wrong:\n- ${wrong.join('\n- ')}`);
}

/**
 * What the run shows to be wrong with our output (not slow: wrong): sums that differ from DuckDB's
 * on the same input, our writer's types or money sums off, or v2 data pages. `bench:smoke` in CI
 * fails on these, so a change that breaks them cannot hide behind a figure nobody reads.
 */
function wrongResults(results: Record<string, unknown>): string[] {
  const wrong: string[] = [];
  const sizes = results.sizes as Record<string, { sameSumsAsDuckdb?: boolean }>;
  for (const [size, entry] of Object.entries(sizes))
    if (entry.sameSumsAsDuckdb !== true) wrong.push(`${size} lines: convert's sums differ from DuckDB's`);
  const ours = (results.writers as { candidates: Record<string, Record<string, unknown>> }).candidates[
    'hyparquet-writer'
  ];
  if (!ours?.typesAsWarehouse) wrong.push("hyparquet-writer: the columns' types are not the warehouse's");
  if (!ours?.sumsExact) wrong.push('hyparquet-writer: money sums are not exact');
  if (ours?.dataPages !== 'v1 (DATA_PAGE)') wrong.push(`hyparquet-writer: data pages are ${ours?.dataPages}`);
  return wrong;
}

function printSummary(results: Record<string, unknown>): void {
  const out: string[] = [];
  const sizes = results.sizes as Record<string, Record<string, Record<string, number>>>;
  out.push(
    'size        ours rows/s  peak RSS MB  (V8 defaults)  (live heap)  (1 date)  out MB   duckdb rows/s  (by date)  ratio   enrich+convert lines/s',
  );
  for (const [size, entry] of Object.entries(sizes)) {
    const ec = entry.enrichConvert as unknown as { linesPerSec: number } | undefined;
    out.push(
      [
        size.padEnd(10),
        String(entry.convert!.rowsPerSec).padStart(12),
        String(entry.convert!.maxRssMb).padStart(12),
        String(entry.convertV8Defaults!.maxRssMb).padStart(14),
        String(entry.convertHeapCapped!.liveHeapMb).padStart(12),
        String(entry.convertOneDate!.maxRssMb).padStart(9),
        String(entry.convert!.outputMb).padStart(7),
        String(entry.duckdb!.rowsPerSec).padStart(15),
        String(entry.duckdbPartitioned!.rowsPerSec).padStart(10),
        String(entry.ratioToDuckdb).padStart(6),
        String(ec?.linesPerSec ?? '-').padStart(24),
      ].join(' '),
    );
  }
  const writers = (results.writers as { candidates: Record<string, Record<string, unknown>> }).candidates;
  out.push('', 'writer              rows/s  peak RSS MB  out MB  types  sums  pages');
  for (const [name, w] of Object.entries(writers)) {
    out.push(
      `${name.padEnd(18)} ${String(w.rowsPerSec).padStart(7)} ${String(w.maxRssMb).padStart(12)} ${String(w.outputMb).padStart(7)}  ${w.typesAsWarehouse ? 'ok ' : 'BAD'}    ${w.sumsExact ? 'ok ' : 'BAD'}   ${w.dataPages}`,
    );
  }
  const bundles = results.functionBundles as Record<
    string,
    { bytes: number; gzipBytes: number; coldImportMs: number }
  >;
  out.push('', 'function   bundle KB  gzip KB  cold import ms');
  for (const [name, b] of Object.entries(bundles)) {
    out.push(
      `${name.padEnd(10)} ${String(Math.round(b.bytes / 1024)).padStart(9)} ${String(Math.round(b.gzipBytes / 1024)).padStart(8)} ${String(b.coldImportMs).padStart(15)}`,
    );
  }
  console.log(out.join('\n'));
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
