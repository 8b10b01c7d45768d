import { mkdir, mkdtemp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ANALYTICS_VIEWS } from '../shared/constants';
import { formatCents, toCents } from '../shared/domain/money';
import { SOURCES } from '../shared/domain/sources';
import { errorCode } from '../shared/errors';
import { createLogger, type LogLevel } from '../shared/logger';
import { generateShop } from './generator';
import { renderTable } from './report-table';
import { LOCAL_BUCKETS, startStack } from './stack';
import { type RunSummary, summarise } from './summary';

/**
 * `npm start`: run the whole pipeline once on the embedded stack and print the summary.
 * `npm start -- --json` prints the summary as one JSON object on stdout (logs go to stderr).
 */
const USAGE = `usage: npm start -- [--json] [--data-dir DIR] [--source dummyjson] [--seed N] [--carts N]
       npm run dev [-- --data-dir DIR]   keep the stack up on fixed ports for file drops and sls invoke local
  --json          print the summary as one JSON object on stdout
  --data-dir DIR  keep bucket contents and the DuckDB file in DIR (default: a fresh .data/runs/<time>)
  --source NAME   source to ingest (${Object.keys(SOURCES).join(', ')}; default: all)
  --seed N        seed of the embedded API's generated shop (default 42)
  --carts N       number of carts the embedded API serves (default 120)
environment: DUMMYJSON_BASE_URL uses that server instead of the embedded API; LOG_LEVEL (default warn);
COST_RATIO_DEFAULT, COST_RATIOS as in the deployed functions.`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      source: { type: 'string', default: 'all' },
      seed: { type: 'string', default: '42' },
      carts: { type: 'string', default: '120' },
      dev: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.dev) return dev(values['data-dir'] ? resolve(values['data-dir']) : resolve('.data', 'dev'));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sources = values.source === 'all' ? Object.keys(SOURCES) : [values.source];
  for (const source of sources) {
    if (!SOURCES[source])
      throw new UsageError(`unknown source "${source}"; known: ${Object.keys(SOURCES).join(', ')}`);
  }
  const seed = Number(values.seed);
  const carts = Number(values.carts);
  if (!Number.isInteger(seed) || !Number.isInteger(carts) || carts < 0)
    throw new UsageError('--seed and --carts take integers');

  const env = process.env;
  const log = createLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'warn', { app: 'npm-start' });
  const progress = (line: string) => {
    if (!values.json) process.stderr.write(`${line}\n`);
  };
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : await freshDataDir();

  const started = Date.now();
  const stack = await startStack({
    dataDir,
    log,
    shop: generateShop({ seed, carts }),
    dummyJsonBaseUrl: env.DUMMYJSON_BASE_URL,
    env: passThroughConfig(env),
  });
  try {
    progress(`stack up in ${Date.now() - started} ms (data in ${dataDir}; API ${stack.endpoints.api})`);
    const time = new Date(Math.floor(Date.now() / 1000) * 1000);
    const batchIds: string[] = [];
    for (const source of sources) {
      const t0 = Date.now();
      const { batchId } = await stack.ingest(source, time);
      batchIds.push(batchId);
      progress(`ingest ${source}: raw run written in ${Date.now() - t0} ms`);
    }
    const t1 = Date.now();
    await stack.settle();
    progress(`enrich -> convert -> load settled in ${Date.now() - t1} ms`);

    const failures = await stack.deadLetters();
    const warehouse = await stack.runtime.warehouse();
    const loaded = await warehouse.query(
      `SELECT batch_id FROM OPS.LOAD_AUDIT WHERE batch_id IN (${batchIds.map(() => '?').join(', ')})`,
      batchIds,
    );
    const missing = batchIds.filter((id) => !loaded.some((row) => row.batch_id === id));
    if (failures.length > 0 || missing.length > 0 || stack.errors.length > 0) {
      const lines = [
        ...missing.map((id) => `batch ${id} did not reach the warehouse`),
        ...failures.map(
          (f) =>
            `${f.bodies.length} message(s) in ${f.queue}: ${f.bodies.map((b) => b.slice(0, 300)).join(' | ')}`,
        ),
        ...stack.errors.map((e) => `${e.name}: ${e.message}`),
      ];
      throw new RunFailedError(lines.join('\n'));
    }

    const summary = await summarise(warehouse, batchIds);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(renderSummary(summary));
      for (const view of ANALYTICS_VIEWS) {
        const rows = await warehouse.query(
          `SELECT * FROM ANALYTICS.${view.name} ORDER BY ${view.orderBy} LIMIT 20`,
        );
        process.stdout.write(`\n${renderTable(rows, view.name)}`);
      }
      process.stdout.write(`\nwarehouse: ${join(dataDir, 'warehouse.duckdb')}\n`);
    }
    return 0;
  } finally {
    await stack.close();
  }
}

/** A new, empty state directory for one run: `.data/runs/<time>-XXXXXX`. */
async function freshDataDir(): Promise<string> {
  const runs = resolve('.data', 'runs');
  await mkdir(runs, { recursive: true });
  return mkdtemp(join(runs, `${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}

function renderSummary(s: RunSummary): string {
  const money = (units: number) => formatCents(toCents(units.toFixed(2)) ?? 0);
  return renderTable(
    [
      { metric: 'orders', value: s.orders },
      { metric: 'order lines', value: s.orderLines },
      { metric: 'revenue', value: money(s.revenue) },
      { metric: 'discount', value: money(s.discount) },
      { metric: 'net revenue', value: money(s.netRevenue) },
      { metric: 'cost', value: money(s.cost) },
      { metric: 'profit', value: money(s.profit) },
      { metric: 'margin', value: `${(s.margin * 100).toFixed(2)} %` },
      { metric: 'rejected lines', value: s.rejected },
      { metric: 'duplicates', value: s.duplicates },
      ...Object.entries(s.rejectsByReason).map(([reason, n]) => ({ metric: `  ${reason}`, value: n })),
    ],
    `Run summary (batches: ${s.batches.join(', ')})`,
  );
}

/** Configuration a user may set for local runs as for the deployed functions. */
const PASS_THROUGH = [
  'COST_RATIO_DEFAULT',
  'COST_RATIOS',
  'LOG_LEVEL',
  'PAGE_SIZE',
  'HTTP_TIMEOUT_MS',
  'HTTP_MAX_ATTEMPTS',
];

function passThroughConfig(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(PASS_THROUGH.map((name) => [name, env[name]]));
}

/** The fixed ports of `npm run dev`: the local stage of serverless.yml points at them. */
const DEV_PORTS = { s3: 4569, sqs: 9324, api: 4010 };

/**
 * `npm run dev`: keep the embedded stack up on fixed ports, so `sls invoke local --stage local`
 * and files put into the bucket flow through the same wiring; stop with Ctrl-C.
 */
async function dev(dataDir: string): Promise<number> {
  const env = process.env;
  const log = createLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'info', { app: 'npm-run-dev' });
  const stack = await startStack({
    dataDir,
    log,
    ports: DEV_PORTS,
    dummyJsonBaseUrl: env.DUMMYJSON_BASE_URL,
    env: passThroughConfig(env),
  });
  const loadQueue = [...stack.queues.values()].find((q) => q.spec.logicalId === 'LoadQueue');
  process.stdout.write(
    [
      `embedded stack up (data in ${dataDir})`,
      `  shop API     ${stack.endpoints.api}`,
      `  S3 (s3rver)  ${stack.endpoints.s3}   buckets: ${Object.values(LOCAL_BUCKETS).join(', ')}`,
      `  SQS          ${stack.endpoints.sqs}   load queue: ${loadQueue?.url}`,
      `  warehouse    ${join(dataDir, 'warehouse.duckdb')}`,
      'in another terminal:',
      '  npx sls invoke local --stage local -f ingest --path events/ingest-schedule.json',
      'Ctrl-C stops the stack.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await stack.close();
  return 0;
}

class UsageError extends Error {}
class RunFailedError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) process.stderr.write(`${message}\n${USAGE}\n`);
    else if (error instanceof RunFailedError) process.stderr.write(`pipeline run failed:\n${message}\n`);
    else process.stderr.write(`pipeline run failed (${errorCode(error)}): ${message}\n`);
    process.exitCode = 1;
  },
);
