import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  MIGRATION_DEFAULTS,
  MIGRATION_VARIABLES,
  migrationsFor,
  type PendingMigration,
  pendingMigrations,
  variablesOf,
} from '../shared/adapters/migrations';
import type { Warehouse } from '../shared/adapters/warehouse';
import { findSqlDirectory } from '../shared/compose';
import { GENERATED_SCRIPTS } from '../shared/domain/generated-scripts';
import { errorCode } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { formatPlan, pendingEntry, planMigrations } from './migration-plan';

/**
 * `npm run migrate -- --target duckdb|snowflake [--dry-run | --plan]`: apply the pending migrations of
 * sql/ in order and record them in OPS.SCHEMA_MIGRATIONS; `--dry-run` prints what would run, `--plan`
 * lists every script as applied or pending.
 */
const USAGE = `usage: npm run migrate -- --target duckdb|snowflake [options]
  --dry-run             print the scripts (and statements) that would run; change nothing
  --plan                list every script as applied or pending (new/changed); change nothing
  --db PATH             duckdb: the database file (default .data/dev/warehouse.duckdb, npm run dev's)
  --secret-id ID        snowflake: credentials secret (Secrets Manager name/ARN, or file:PATH); the
                        deploying role's, not the loader's. Without it, --dry-run lists every script
  --var NAME=VALUE      snowflake: a script variable (repeatable); see below
  --load-mode MODE      snowflake: loader (default) or tasks (resumes the MERGE tasks)
  --with-snowpipe       snowflake: include sql/snowflake/optional (raw-zone Snowpipe)
  --generate            rewrite the generated scripts (R__tasks.sql, R__reject_reasons.sql, R__raw_transform.sql)
variables (defaults in brackets):
${Object.entries(MIGRATION_VARIABLES)
  .map(
    ([name, v]) =>
      `  ${name.padEnd(25)}${v.describe}${MIGRATION_DEFAULTS[name] ? ` [${MIGRATION_DEFAULTS[name]}]` : ''}`,
  )
  .join('\n')}`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      plan: { type: 'boolean', default: false },
      db: { type: 'string', default: join('.data', 'dev', 'warehouse.duckdb') },
      'secret-id': { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
      'load-mode': { type: 'string', default: 'loader' },
      'with-snowpipe': { type: 'boolean', default: false },
      generate: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sqlDirectory = findSqlDirectory(process.cwd());
  if (values.generate) {
    for (const script of GENERATED_SCRIPTS) {
      const path = join(sqlDirectory, script.path);
      await writeFile(path, script.render());
      process.stdout.write(`wrote ${path}\n`);
    }
    return 0;
  }
  const plan = values.plan;
  const dryRun = values['dry-run'] || plan;
  const print = (pending: PendingMigration) => {
    const { migration, statements, reason } = pending;
    const name = join(migration.folder, migration.script);
    process.stdout.write(`${dryRun ? 'would apply' : 'applying'} ${name} (${reason})\n`);
    if (dryRun) for (const statement of statements) process.stdout.write(`${indent(statement)};\n`);
  };

  let warehouse: Warehouse;
  let where: string;
  if (values.target === 'duckdb') {
    const { DuckDbWarehouse } = await import('../shared/adapters/duckdb-warehouse');
    where = resolve(values.db);
    // A dry run opens the file read-only, or nothing at all when there is no file yet.
    const exists = existsSync(where);
    if (dryRun && !exists) where = `${where} (no such file yet)`;
    warehouse = await DuckDbWarehouse.open(
      dryRun && !exists ? ':memory:' : resolve(values.db),
      undefined,
      sqlDirectory,
      {
        readOnly: dryRun && exists,
      },
    );
  } else if (values.target === 'snowflake') {
    const vars = snowflakeVars(values.var, values['load-mode']);
    const secretId = values['secret-id'];
    if (!secretId) {
      if (!dryRun)
        throw new UsageError(
          '--target snowflake needs --secret-id (or --dry-run/--plan to list the scripts)',
        );
      return offlineDryRun(sqlDirectory, vars, values['with-snowpipe'], plan ? printPlanned : print);
    }
    where = `Snowflake (secret ${secretId})`;
    const { openSnowflakeWarehouse } = await import('../shared/adapters/snowflake-warehouse');
    warehouse = openSnowflakeWarehouse(
      {
        secretId,
        loadMode: values['load-mode'] === 'tasks' ? 'tasks' : 'loader',
        stage: 'STAGING.CURATED_STAGE',
        fileFormat: 'STAGING.PARQUET_FORMAT',
        curatedBucket: vars.curated_bucket ?? '',
        connectTimeoutMs: 60_000,
        statementTimeoutSeconds: 600,
      },
      { log: createLogger('warn', { app: 'migrate' }), sqlDirectory: () => sqlDirectory },
    );
    try {
      const optional = values['with-snowpipe'];
      if (plan) return printPlan(where, await planMigrations(warehouse, { vars, optional }));
      return report(where, dryRun, await warehouse.migrate({ dryRun, vars, optional, onPending: print }));
    } finally {
      await warehouse.close();
    }
  } else {
    throw new UsageError('--target must be duckdb or snowflake');
  }
  try {
    if (plan) return printPlan(where, await planMigrations(warehouse));
    return report(where, dryRun, await warehouse.migrate({ dryRun, onPending: print }));
  } finally {
    await warehouse.close();
  }
}

/** Defaults, then `--load-mode`, then every `--var NAME=VALUE` (validated when a script uses it). */
function snowflakeVars(pairs: string[], loadMode: string): Record<string, string> {
  if (loadMode !== 'loader' && loadMode !== 'tasks')
    throw new UsageError('--load-mode must be loader or tasks');
  const vars: Record<string, string> = {
    ...MIGRATION_DEFAULTS,
    task_action: loadMode === 'tasks' ? 'RESUME' : 'SUSPEND',
  };
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (at < 1 || !MIGRATION_VARIABLES[name])
      throw new UsageError(`--var ${pair}: expected NAME=VALUE, NAME one of the variables`);
    vars[name] = pair.slice(at + 1);
  }
  return vars;
}

/** Without credentials, a dry run cannot read the history: every script is listed, rendered. */
function offlineDryRun(
  sqlDirectory: string,
  vars: Record<string, string>,
  optional: boolean,
  print: (pending: PendingMigration) => void,
): number {
  const migrations = migrationsFor(sqlDirectory, 'snowflake', { optional });
  const missing = [...new Set(migrations.flatMap((m) => variablesOf(m.sql)))].filter((v) => !vars[v]);
  if (missing.length > 0) throw new UsageError(`set ${missing.map((v) => `--var ${v}=...`).join(' ')}`);
  process.stdout.write('-- no --secret-id: history not read, every script listed\n');
  const pending = pendingMigrations(migrations, new Map(), vars);
  for (const item of pending) print(item);
  process.stdout.write(`${pending.length} script(s) would run on Snowflake\n`);
  return 0;
}

/** `--plan` without credentials: every script, as pending. */
const printPlanned = (pending: PendingMigration) => {
  const { script, status } = pendingEntry(pending);
  process.stdout.write(`  pending  ${script} (${status})\n`);
};

function printPlan(where: string, entries: Parameters<typeof formatPlan>[1]): number {
  process.stdout.write(formatPlan(where, entries));
  return 0;
}

function report(where: string, dryRun: boolean, scripts: string[]): number {
  process.stdout.write(
    `${scripts.length} script(s) ${dryRun ? 'would run' : 'applied'} on ${where}${scripts.length === 0 ? ' (up to date)' : ''}\n`,
  );
  return 0;
}

const indent = (statement: string) =>
  statement
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`migrate failed: ${errorCode(error)}: ${(error as Error).message}\n`);
    if (usage) process.stderr.write(`${USAGE}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
