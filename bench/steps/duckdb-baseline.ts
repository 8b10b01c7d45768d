import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { report, stepArgs } from './step-io';

/**
 * Bench step (its own process): DuckDB's own NDJSON -> Parquet, the baseline convert is measured
 * against. Same input file, same column names and types (cents become DECIMAL(12,2) exactly, by
 * a decimal multiply, never a float), Snappy; optionally partitioned by order date as convert is.
 */
const MONEY: [string, string, number][] = [
  ['unit_price_cents', 'unit_price', 12],
  ['discount_bp', 'discount_pct', 5],
  ['revenue_cents', 'revenue', 12],
  ['discount_cents', 'discount_amount', 12],
  ['net_revenue_cents', 'net_revenue', 12],
  ['unit_cost_cents', 'unit_cost', 12],
  ['cost_cents', 'cost', 12],
  ['profit_cents', 'profit', 12],
  ['net_profit_cents', 'net_profit', 12],
];

/** The baseline's statement: exported for the README, which quotes it. */
export function baselineSql(input: string, output: string, partitioned: boolean): string {
  const money = (cents: string, name: string, precision: number) =>
    `(${cents}::DECIMAL(18,0) * 0.01)::DECIMAL(${precision},2) AS ${name}`;
  const bigints = MONEY.map(([cents]) => `${cents}: 'BIGINT'`).join(', ');
  return `COPY (
  SELECT source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity,
    ${MONEY.map(([c, n, p]) => money(c, n, p)).join(',\n    ')},
    channel, payment_method, source_file, batch_id, ingested_at
  FROM read_json('${input}', format = 'newline_delimited', columns = {
    source: 'VARCHAR', order_id: 'VARCHAR', line_no: 'INTEGER', order_ts: 'TIMESTAMPTZ', order_date: 'DATE',
    status: 'VARCHAR', customer_id: 'VARCHAR', product_id: 'VARCHAR', quantity: 'INTEGER', ${bigints},
    channel: 'VARCHAR', payment_method: 'VARCHAR', source_file: 'VARCHAR', batch_id: 'VARCHAR',
    ingested_at: 'TIMESTAMPTZ'})
) TO '${output}' (FORMAT parquet, COMPRESSION snappy${partitioned ? ', PARTITION_BY (order_date), OVERWRITE_OR_IGNORE' : ''})`;
}

async function sizeOf(path: string): Promise<{ bytes: number; files: number }> {
  const info = await stat(path);
  if (info.isFile()) return { bytes: info.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      bytes += (await stat(join(entry.parentPath, entry.name))).size;
      files += 1;
    }
  }
  return { bytes, files };
}

async function main(): Promise<void> {
  const args = stepArgs<{ input: string; output: string; partitioned: boolean; rows: number }>();
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  await duck.run(baselineSql(args.input, args.output, args.partitioned));
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  const threads = (
    await duck.runAndReadAll("SELECT current_setting('threads')::INTEGER AS t")
  ).getRowObjectsJson()[0]?.t;
  duck.closeSync();
  report({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rows: args.rows,
    threads,
    ...(await sizeOf(args.output)),
  });
}

if (process.argv[2]) {
  void main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
