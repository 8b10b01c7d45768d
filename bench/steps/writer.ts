import { stat } from 'node:fs/promises';
import { writeWithHyparquet } from '../writers/hyparquet';
import { writeWithParquetWasm } from '../writers/parquet-wasm';
import { writeWithParquetjs } from '../writers/parquetjs';
import { report, stepArgs } from './step-io';

/** Bench step (its own process): one Parquet writer candidate, NDJSON order lines in, one file out. */
const CANDIDATES = {
  'hyparquet-writer': writeWithHyparquet,
  'parquet-wasm': writeWithParquetWasm,
  '@dsnp/parquetjs': writeWithParquetjs,
} as const;

async function main(): Promise<void> {
  const args = stepArgs<{
    candidate: keyof typeof CANDIDATES;
    input: string;
    output: string;
    rowGroupRows: number;
  }>();
  const started = performance.now();
  const rows = await CANDIDATES[args.candidate](args.input, args.output, args.rowGroupRows);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  report({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rows, bytes: (await stat(args.output)).size });
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
