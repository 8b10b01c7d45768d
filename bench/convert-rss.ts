/**
 * Where convert's peak RSS is set: runs the bundled convert step once on a seeded enriched batch,
 * with the convert function's Lambda settings, reads the child's `/proc/<pid>/status` every
 * millisecond (Linux) and matches each rise of its high-water mark (VmHWM, what `maxRSS` reports)
 * to what the step was doing: reading a written file back, or not. Finer than the bench's 250 ms
 * `process.memoryUsage()` readings, which miss bursts of a few tens of ms.
 *
 *   npx tsx bench/convert-rss.ts --lines=1000000,10000000,20000000   # 7 interleaved order dates
 *   npx tsx bench/convert-rss.ts --lines=10000000 --days=14
 *   npx tsx bench/convert-rss.ts --lines=1000000,10000000 --record   # also into bench/results.json (convertRss)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { FsObjectStore } from '../shared/adapters/fs-object-store';
import { CONVERT_DEFAULTS } from '../shared/stages/convert';
import { writeEnrichedBatch } from './enriched-batch';
import { lambdaProcess } from './lambda-process';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'lake';

interface ReadBack {
  key: string;
  mb: number;
  startMs: number;
  endMs: number;
  arrayBuffersMb: [number, number];
}

/** VmRSS and VmHWM of a process, MB; undefined once it has gone. */
function statusOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    const rss = kb('VmRSS');
    return Number.isNaN(rss) ? undefined : { rss: rss / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const sizes = (value('lines') ?? '1000000').split(',').map(Number);
  const days = Number(value('days') ?? 7);
  const work = await mkdtemp(join(tmpdir(), 'convert-rss-'));
  try {
    await build({
      entryPoints: [join(ROOT, 'bench/steps/convert.ts')],
      outfile: join(work, 'convert.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    await writeFile(join(work, 'package.json'), '{"type":"commonjs"}');
    const reports: Record<string, unknown>[] = [];
    for (const lines of sizes) {
      const report = await traced(work, lines, days);
      console.log(JSON.stringify(report));
      reports.push(report);
    }
    if (argv.includes('--record')) await record(reports, `npx tsx bench/convert-rss.ts ${argv.join(' ')}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Keep the reports in bench/results.json under `convertRss`, one entry per size and number of dates
 * (a later run replaces its own entries only); `npm run bench` carries them over.
 */
async function record(reports: Record<string, unknown>[], command: string): Promise<void> {
  const path = join(ROOT, 'bench/results.json');
  const results = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const kept = (results.convertRss ?? {}) as Record<string, unknown>;
  const generatedAt = new Date().toISOString();
  for (const report of reports)
    kept[`${report.lines} lines, ${report.days} dates`] = { generatedAt, command, ...report };
  results.convertRss = kept;
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** One convert run on `lines` seeded order lines over `days` dates, sampled from outside. */
async function traced(work: string, lines: number, days: number): Promise<Record<string, unknown>> {
  const root = join(work, `store-${lines}`);
  try {
    const { key } = await writeEnrichedBatch(new FsObjectStore(root), BUCKET, { lines, days });
    const proc = await lambdaProcess('convert');
    const loadBefore = loadavg()[0]!;
    const args = {
      root,
      bucket: BUCKET,
      key,
      rowGroupRows: CONVERT_DEFAULTS.rowGroupRows,
      targetFileBytes: CONVERT_DEFAULTS.targetFileBytes,
      traceReadBacks: true,
    };
    const child = spawn(
      process.execPath,
      [...proc.nodeFlags, join(work, 'convert.cjs'), JSON.stringify(args)],
      {
        env: { ...process.env, ...proc.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Sampled in a tight loop (a millisecond apart) until the child exits.
    const samples: { ms: number; rss: number }[] = [];
    const rises: { ms: number; mb: number }[] = [];
    let hwm = 0;
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (!done) {
      const status = statusOf(child.pid!);
      if (!status) break;
      const ms = Date.now();
      samples.push({ ms, rss: status.rss });
      if (status.hwm > hwm) {
        if (hwm > 0) rises.push({ ms, mb: status.hwm - hwm });
        hwm = status.hwm;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if ((await exited) !== 0) throw new Error('convert step failed');
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      maxRssMb: number;
      ms: number;
      orderLineFiles: number;
      readBacks: ReadBack[];
    };
    // A rise belongs to a read-back from its start until 50 ms after it (the footer is parsed then).
    const during = (ms: number) => result.readBacks.some((r) => ms >= r.startMs && ms <= r.endMs + 50);
    const rssSorted = samples.map((s) => s.rss).sort((a, b) => a - b);
    const at = (q: number) =>
      round(rssSorted[Math.min(rssSorted.length - 1, Math.floor(q * rssSorted.length))]!);
    const highest = (inside: boolean) =>
      round(samples.reduce((top, s) => (during(s.ms) === inside ? Math.max(top, s.rss) : top), 0));
    const readBacks = result.readBacks.filter((r) => r.key.includes('order_lines'));
    const grows = readBacks.map((r) => r.arrayBuffersMb[1] - r.arrayBuffersMb[0]);
    const report = {
      lines,
      days,
      nodeFlags: proc.nodeFlags.join(' '),
      seconds: round(result.ms / 1000),
      loadAverage1m: [round(loadBefore), round(loadavg()[0]!)],
      maxRssMb: result.maxRssMb,
      sampledRssMb: {
        samples: samples.length,
        median: at(0.5),
        p99: at(0.99),
        highest: round(rssSorted.at(-1)!),
        highestDuringReadBacks: highest(true),
        highestOtherwise: highest(false),
      },
      /** How much of the high-water mark was set while a written file was being read back. */
      hwmRiseDuringReadBacksMb: round(rises.filter((r) => during(r.ms)).reduce((n, r) => n + r.mb, 0)),
      orderLineFiles: result.orderLineFiles,
      largestFileMb: Math.max(...readBacks.map((r) => r.mb)),
      readBackArrayBuffersGrowthMb: { median: median(grows), max: round(Math.max(...grows)) },
    };
    return report;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)] ?? 0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
