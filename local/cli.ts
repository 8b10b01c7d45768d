import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getText } from '../shared/adapters/object-store';
import { postgresSecretFromLibpq } from '../shared/adapters/postgres-credentials';
import type { Runtime } from '../shared/compose';
import { ANALYTICS_VIEWS } from '../shared/constants';
import { curatedManifestKey } from '../shared/domain/layout';
import { curatedManifestSchema } from '../shared/domain/manifest';
import { formatCents, toCents } from '../shared/domain/money';
import { API_SOURCE_NAMES, POSTGRES_SOURCE_NAME } from '../shared/domain/sources';
import { errorCode } from '../shared/errors';
import { createLogger, type LogLevel } from '../shared/logger';
import { createMemoryMetrics } from '../shared/observability';
import { generateShop } from './generator';
import { LandingFileError, landingFiles } from './landing-upload';
import { createRunProgress } from './progress';
import { preloadReport, writeRunReport } from './report';
import { renderTable } from './report-table';
import { LOCAL_BUCKETS, startStack } from './stack';
import { type RunSummary, summarise } from './summary';

/**
 * `npm start`: run the whole pipeline once on the embedded stack and print the summary.
 * `npm start -- --json` prints the summary as one JSON object on stdout (logs go to stderr).
 */
const USAGE = `usage: npm start -- [--json] [--data-dir DIR] [--source NAME] [--files PATH...] [--seed N] [--carts N]
       npm run dev [-- --data-dir DIR]   keep the stack up on fixed ports for file drops and sls invoke local
  --json          print the summary as one JSON object on stdout
  --data-dir DIR  keep bucket contents and the DuckDB file in DIR (default: a fresh .data/runs/<time>)
  --source NAME   source to ingest: ${[...API_SOURCE_NAMES, POSTGRES_SOURCE_NAME].join(', ')}, or all (every API
                  source); default: all, or none with --files. postgres starts an embedded PostgreSQL
                  (PGlite) seeded from the generator, or uses PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD
  --files PATH... drop these files (or a folder's customers*.csv, products*.csv, sales*.json[l],
                  events*.jsonl, optionally .gz) into landing/ and ingest them from their S3 events
  --seed N        seed of the embedded API's generated shop (default 42)
  --carts N       number of carts the embedded API serves (default 120)
environment: DUMMYJSON_BASE_URL, FAKESTORE_BASE_URL use that server instead of the embedded API;
PGHOST (with PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE) a real PostgreSQL for --source postgres;
POSTGRES_OVERLAP_SECONDS, POSTGRES_BATCH_ROWS as in the deployed functions;
LOG_LEVEL (default warn);
COST_RATIO_DEFAULT, COST_RATIOS as in the deployed functions.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      source: { type: 'string' },
      files: { type: 'boolean', default: false },
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
  if (positionals.length > 0 && !values.files)
    throw new UsageError(`unexpected argument "${positionals[0]}" (paths go after --files)`);
  if (values.files && positionals.length === 0) throw new UsageError('--files takes one or more paths');
  // With --files, only those files are ingested unless --source names API sources too.
  const source = values.source ?? (values.files ? undefined : 'all');
  const sources = source === undefined ? [] : source === 'all' ? [...API_SOURCE_NAMES] : [source];
  const known = [...API_SOURCE_NAMES, POSTGRES_SOURCE_NAME];
  for (const name of sources) {
    if (!known.includes(name))
      throw new UsageError(`unknown source "${name}"; known: ${known.join(', ')}, all`);
  }
  const files = values.files ? await landingFiles(positionals) : [];
  const seed = Number(values.seed);
  const carts = Number(values.carts);
  if (!Number.isInteger(seed) || !Number.isInteger(carts) || carts < 0)
    throw new UsageError('--seed and --carts take integers');

  const env = process.env;
  const log = createLogger((env.LOG_LEVEL as LogLevel | undefined) ?? 'warn', { app: 'npm-start' });
  // Progress bars on a terminal only; the handlers' metrics feed them and the report's timings.
  const metrics = createMemoryMetrics();
  const runProgress = createRunProgress({
    enabled: !values.json && process.stderr.isTTY === true,
    metrics,
    batches: sources.length + files.length,
  });
  const progress = (line: string) => runProgress.note(line);
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : await freshDataDir();

  const started = Date.now();
  const stack = await startStack({
    dataDir,
    log,
    shop: generateShop({ seed, carts }),
    dummyJsonBaseUrl: env.DUMMYJSON_BASE_URL,
    fakeStoreBaseUrl: env.FAKESTORE_BASE_URL,
    env: passThroughConfig(env),
    metrics,
    onPageFetched: runProgress.pageFetched,
    ...(sources.includes(POSTGRES_SOURCE_NAME) ? { postgres: postgresOption(env) } : {}),
  });
  const stackUpAt = Date.now();
  try {
    progress(`stack up in ${Date.now() - started} ms (data in ${dataDir}; API ${stack.endpoints.api})`);
    runProgress.start();
    preloadReport();
    const time = new Date(Math.floor(Date.now() / 1000) * 1000);
    const batchIds: string[] = [];
    for (const source of sources) {
      const t0 = Date.now();
      const { batchId } = await stack.ingest(source, time);
      batchIds.push(batchId);
      progress(`ingest ${source}: raw run written in ${Date.now() - t0} ms`);
    }
    if (files.length > 0) {
      if (!stack.topology.notifications.some((rule) => (rule.prefix ?? '').startsWith('landing/'))) {
        throw new RunFailedError('serverless.yml notifies no queue of objects created under landing/');
      }
      const t0 = Date.now();
      const dropped = await stack.dropFiles(files);
      batchIds.push(...dropped.map((d) => d.batchId));
      progress(`dropped ${dropped.map((d) => d.key).join(', ')} in ${Date.now() - t0} ms`);
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
    const missing: string[] = [];
    for (const id of batchIds.filter((id) => !loaded.some((row) => row.batch_id === id))) {
      // An empty batch (an empty file) ends at convert: nothing to load.
      if (!(await isEmptyBatch(stack.runtime, id))) missing.push(id);
    }
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

    runProgress.stop();
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
    const report = await writeRunReport({
      warehouse,
      summary,
      measurements: metrics.measurements,
      phases: [{ name: 'stack start', startedAt: started, endedAt: stackUpAt }],
      path: join(dataDir, 'report.html'),
    });
    (values.json ? process.stderr : process.stdout).write(`report: ${report}\n`);
    return 0;
  } finally {
    runProgress.stop();
    await stack.close();
  }
}

/** True when convert committed the batch with no rows at all (so no load was queued). */
async function isEmptyBatch(runtime: Runtime, batchId: string): Promise<boolean> {
  try {
    const text = await getText(runtime.store, runtime.config.curatedBucket, curatedManifestKey(batchId));
    const manifest = curatedManifestSchema.parse(JSON.parse(text));
    return manifest.files.length === 0 && Object.values(manifest.rows).every((rows) => rows === 0);
  } catch {
    return false;
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
  'POSTGRES_OVERLAP_SECONDS',
  'POSTGRES_BATCH_ROWS',
];

/** The PostgreSQL source of a local run: the PG* variables' database when PGHOST is set, else an embedded one. */
function postgresOption(env: NodeJS.ProcessEnv, port?: number): { secret?: string; port?: number } {
  const secret = postgresSecretFromLibpq(env);
  return secret ? { secret } : port === undefined ? {} : { port };
}

function passThroughConfig(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(PASS_THROUGH.map((name) => [name, env[name]]));
}

/** The fixed ports of `npm run dev`: the local stage of serverless.yml points at them. */
const DEV_PORTS = { s3: 4569, sqs: 9324, api: 4010 };
/** The embedded PostgreSQL of `npm run dev` (not 5432: a developer's own PostgreSQL may be there). */
const DEV_POSTGRES_PORT = 54329;
/** Where `npm run dev` writes the PostgreSQL secret; the local stage of serverless.yml reads it. */
const DEV_POSTGRES_SECRET = 'postgres-secret.json';

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
    fakeStoreBaseUrl: env.FAKESTORE_BASE_URL,
    env: passThroughConfig(env),
    postgres: postgresOption(env, DEV_POSTGRES_PORT),
  });
  // `sls invoke local --stage local -f ingestPostgres` reads the connection from this file.
  const secretFile = join(dataDir, DEV_POSTGRES_SECRET);
  const secret = postgresSecretFromLibpq(env) ?? stack.postgres?.secret;
  if (secret) await writeFile(secretFile, secret, { mode: 0o600 });
  const loadQueue = [...stack.queues.values()].find((q) => q.spec.logicalId === 'LoadQueue');
  process.stdout.write(
    [
      `embedded stack up (data in ${dataDir})`,
      `  shop API     ${stack.endpoints.api}`,
      `  S3 (s3rver)  ${stack.endpoints.s3}   buckets: ${Object.values(LOCAL_BUCKETS).join(', ')}`,
      `  SQS          ${stack.endpoints.sqs}   load queue: ${loadQueue?.url}`,
      `  warehouse    ${join(dataDir, 'warehouse.duckdb')}`,
      `  PostgreSQL   ${stack.postgres ? `127.0.0.1:${stack.postgres.port} (PGlite)` : 'PG* variables'}   secret: ${secretFile}`,
      'in another terminal:',
      '  npx sls invoke local --stage local -f ingest --path events/ingest-schedule.json',
      `  npx sls invoke local --stage local -f ingestPostgres --data '{"source":"postgres","time":"2026-11-26T03:00:00Z"}'`,
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
    if (error instanceof UsageError || error instanceof LandingFileError)
      process.stderr.write(`${message}\n${USAGE}\n`);
    else if (error instanceof RunFailedError) process.stderr.write(`pipeline run failed:\n${message}\n`);
    else process.stderr.write(`pipeline run failed (${errorCode(error)}): ${message}\n`);
    process.exitCode = 1;
  },
);
