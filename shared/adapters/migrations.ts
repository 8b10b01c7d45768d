import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../checksum';
import { PipelineError } from '../errors';

/**
 * A forward-only migration runner with schemachange/Flyway conventions: `V<version>__<name>.sql`
 * runs once in version order, `R__<name>.sql` re-runs when its checksum changes, and the history
 * lives in OPS.SCHEMA_MIGRATIONS. An edited V script is refused.
 *
 * `sql/` holds the portable scripts (Snowflake and DuckDB); `sql/snowflake/` the Snowflake-only ones
 * (integrations, stages, streams, tasks), applied for target snowflake only and ordered by version
 * together with the portable ones; `sql/snowflake/optional/` scripts a deployment opts into. Scripts
 * may use `{{ name }}` variables (schemachange's Jinja syntax), each validated before it is spliced in;
 * the checksum is taken of the rendered script, as schemachange does.
 */

export interface SqlExecutor {
  execute(sql: string, params?: unknown[]): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export type MigrationTarget = 'duckdb' | 'snowflake';

export interface Migration {
  kind: 'versioned' | 'repeatable';
  version: string | null;
  description: string;
  /** File name: the script's identity in the history (unique across folders). */
  script: string;
  /** Folder relative to sql/ ('' for the portable scripts). */
  folder: string;
  /** The script as written, variables unrendered. */
  sql: string;
}

/** A migration that would run: its rendered statements and checksum. */
export interface PendingMigration {
  migration: Migration;
  statements: string[];
  checksum: string;
  /** Why it runs: never applied, or a repeatable whose checksum changed. */
  reason: 'new' | 'changed';
}

export class MigrationChecksumError extends PipelineError {
  readonly code = 'MIGRATION_EDITED';
  readonly kind = 'terminal';
}

/** A script or a variable is wrong: two scripts share a version, a variable is missing or unsafe. */
export class MigrationScriptError extends PipelineError {
  readonly code = 'MIGRATION_INVALID';
  readonly kind = 'terminal';
}

const VERSIONED = /^V(\d+(?:\.\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

/** Folders of sql/ each target applies; optional ones only when asked. */
export const SNOWFLAKE_FOLDER = 'snowflake';
export const OPTIONAL_FOLDER = join('snowflake', 'optional');

const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};

/** Versioned first in version order, then repeatables by name. */
function sortMigrations(migrations: Migration[]): Migration[] {
  return [...migrations].sort((a, b) =>
    a.kind !== b.kind
      ? a.kind === 'versioned'
        ? -1
        : 1
      : a.version && b.version
        ? compareVersions(a.version, b.version)
        : a.script.localeCompare(b.script),
  );
}

/** Migrations of one folder (only its top level), in apply order. */
export function readMigrations(directory: string, folder = ''): Migration[] {
  const migrations: Migration[] = [];
  for (const script of readdirSync(directory).sort()) {
    const versioned = VERSIONED.exec(script);
    const repeatable = REPEATABLE.exec(script);
    if (!versioned && !repeatable) continue;
    migrations.push({
      kind: versioned ? 'versioned' : 'repeatable',
      version: versioned?.[1] ?? null,
      description: (versioned?.[2] ?? repeatable?.[1] ?? script).replace(/_/g, ' '),
      script,
      folder,
      sql: readFileSync(join(directory, script), 'utf8'),
    });
  }
  return sortMigrations(migrations);
}

/**
 * The migrations a target applies, in order: the portable ones, plus for Snowflake its own folder
 * (and the optional one when asked). Two scripts with the same version or name are refused.
 */
export function migrationsFor(
  sqlDirectory: string,
  target: MigrationTarget,
  options: { optional?: boolean } = {},
): Migration[] {
  const folders = [''];
  if (target === 'snowflake') folders.push(SNOWFLAKE_FOLDER);
  if (target === 'snowflake' && options.optional) folders.push(OPTIONAL_FOLDER);
  const all = folders.flatMap((folder) => {
    const directory = join(sqlDirectory, folder);
    return existsSync(directory) ? readMigrations(directory, folder) : [];
  });
  const byScript = new Map<string, Migration>();
  const byVersion = new Map<string, Migration>();
  const where = (m: Migration) => join(m.folder, m.script);
  for (const m of all) {
    const sameName = byScript.get(m.script);
    if (sameName) throw new MigrationScriptError(`${where(m)} and ${where(sameName)} share a name`);
    byScript.set(m.script, m);
    if (m.version === null) continue;
    const key = m.version
      .split('.')
      .map(Number)
      .join('.')
      .replace(/(\.0)+$/, '');
    const sameVersion = byVersion.get(key);
    if (sameVersion) throw new MigrationScriptError(`${where(m)} and ${where(sameVersion)} share a version`);
    byVersion.set(key, m);
  }
  return sortMigrations(all);
}

/** A migration variable: what it is and the only shape its value may take. */
export interface MigrationVariable {
  describe: string;
  pattern: RegExp;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;

/** Every variable a script may use. Values are validated, since DDL takes no binds. */
export const MIGRATION_VARIABLES: Record<string, MigrationVariable> = {
  database: { describe: 'database the pipeline lives in', pattern: IDENT },
  load_warehouse: { describe: "the loader's (and tasks') virtual warehouse", pattern: IDENT },
  loader_role: { describe: "the loader's role (least privilege)", pattern: IDENT },
  storage_integration: { describe: 'storage integration of the curated bucket', pattern: IDENT },
  storage_aws_role_arn: {
    describe: 'IAM role Snowflake assumes to read curated/ (stack output SnowflakeStorageRoleArn)',
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
  },
  storage_external_id: {
    describe: 'external id Snowflake presents when assuming the role (param snowflakeExternalId)',
    pattern: /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/,
  },
  curated_bucket: {
    describe: 'curated bucket name (stack output CuratedBucketName)',
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  },
  task_schedule: { describe: "tasks' schedule, e.g. '5 MINUTE'", pattern: /^[1-9]\d{0,3} MINUTE$/ },
  task_action: {
    describe: "RESUME (load mode 'tasks') or SUSPEND (load mode 'loader')",
    pattern: /^(RESUME|SUSPEND)$/,
  },
  raw_bucket: {
    describe: 'raw bucket name (optional Snowpipe)',
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  },
  raw_storage_integration: {
    describe: 'storage integration of the raw bucket (optional Snowpipe)',
    pattern: IDENT,
  },
  raw_storage_aws_role_arn: {
    describe: 'IAM role Snowflake assumes to read raw/ (optional Snowpipe)',
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
  },
};

/** Defaults a deployment may override with `--var name=value`. */
export const MIGRATION_DEFAULTS: Record<string, string> = {
  load_warehouse: 'LOAD_WH',
  loader_role: 'PIPELINE_LOADER',
  storage_integration: 'CURATED_S3',
  raw_storage_integration: 'RAW_S3',
  task_schedule: '5 MINUTE',
  task_action: 'SUSPEND',
};

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names of the variables a script uses. */
export function variablesOf(sql: string): string[] {
  return [...new Set([...sql.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Render a script's `{{ name }}` variables; a missing, unknown or ill-formed one names the script and variable. */
export function renderMigration(migration: Migration, vars: Record<string, string>): string {
  return migration.sql.replace(PLACEHOLDER, (_, name: string) => {
    const spec = MIGRATION_VARIABLES[name];
    const where = join(migration.folder, migration.script);
    if (!spec) throw new MigrationScriptError(`${where} uses unknown variable {{ ${name} }}`);
    const value = vars[name];
    if (value === undefined || value === '') {
      throw new MigrationScriptError(`${where} needs --var ${name}=... (${spec.describe})`);
    }
    if (!spec.pattern.test(value)) {
      throw new MigrationScriptError(`--var ${name} is not valid for ${where}: ${spec.describe}`);
    }
    return value;
  });
}

/** Split a script into statements on `;` outside quotes, `$$` bodies and comments. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (quote) {
      if (quote === '$$' && ch === '$' && sql[i + 1] === '$') {
        current += '$$';
        i += 1;
        quote = null;
        continue;
      }
      current += ch;
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === '$' && sql[i + 1] === '$') {
      quote = '$$';
      current += '$$';
      i += 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i += 1;
      current += '\n';
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
      current += ' ';
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

export const HISTORY_TABLE = 'OPS.SCHEMA_MIGRATIONS';
const CREATE_HISTORY = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (script VARCHAR NOT NULL, version VARCHAR, description VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`;
const HISTORY_EXISTS =
  "SELECT COUNT(*) AS n FROM information_schema.tables WHERE UPPER(table_schema) = 'OPS' AND UPPER(table_name) = 'SCHEMA_MIGRATIONS'";

export interface ApplyOptions {
  /** Work out and report what would run; change nothing. */
  dryRun?: boolean;
  vars?: Record<string, string>;
  /** Statements run first (not in a dry run), e.g. Snowflake's CREATE DATABASE + USE DATABASE. */
  bootstrap?: string[];
  /** Wrap each script and its history row in a transaction (DuckDB: DDL is transactional). */
  transactional?: boolean;
  /** Called for each migration before it runs (or, in a dry run, instead). */
  onPending?: (pending: PendingMigration) => void;
  /** Called for each migration the history already has, up to date (what `--plan` lists as applied). */
  onApplied?: (migration: Migration) => void;
}

/** A column of a result row whatever its case (Snowflake upper-cases unquoted names, DuckDB keeps them). */
const column = (row: Record<string, unknown> | undefined, name: string): unknown =>
  row?.[name] ?? row?.[name.toUpperCase()];

/** Last checksum of every script in the history; empty when a dry run finds no history yet. */
async function readHistory(db: SqlExecutor, dryRun: boolean): Promise<Map<string, string>> {
  if (dryRun) {
    const exists = await db.query(HISTORY_EXISTS).catch(() => [{ n: 0 }]);
    if (Number(column(exists[0], 'n') ?? 0) === 0) return new Map();
  } else {
    await db.execute('CREATE SCHEMA IF NOT EXISTS OPS');
    await db.execute(CREATE_HISTORY);
  }
  const history = await db.query(`SELECT script, checksum FROM ${HISTORY_TABLE} ORDER BY applied_at`);
  return new Map(history.map((row) => [String(column(row, 'script')), String(column(row, 'checksum'))]));
}

/** Pending migrations against a history, rendered; an edited V script is refused. */
export function pendingMigrations(
  migrations: Migration[],
  history: Map<string, string>,
  vars: Record<string, string>,
  onApplied?: (migration: Migration) => void,
): PendingMigration[] {
  const pending: PendingMigration[] = [];
  for (const migration of migrations) {
    const rendered = renderMigration(migration, vars);
    const checksum = sha256Hex(rendered);
    const previous = history.get(migration.script);
    if (migration.kind === 'versioned' && previous !== undefined) {
      if (previous !== checksum) {
        throw new MigrationChecksumError(
          `${migration.script} was edited (or rendered with other variables) after it was applied; add a new version instead`,
        );
      }
      onApplied?.(migration);
      continue;
    }
    if (migration.kind === 'repeatable' && previous === checksum) {
      onApplied?.(migration);
      continue;
    }
    pending.push({
      migration,
      statements: splitStatements(rendered),
      checksum,
      reason: previous === undefined ? 'new' : 'changed',
    });
  }
  return pending;
}

/**
 * Apply pending migrations in order and record each in OPS.SCHEMA_MIGRATIONS; returns the scripts
 * applied (or, with dryRun, that would be).
 * @example await applyMigrations(executor, migrationsFor('sql', 'duckdb'), { transactional: true });
 */
export async function applyMigrations(
  db: SqlExecutor,
  migrations: Migration[],
  options: ApplyOptions = {},
): Promise<string[]> {
  const dryRun = options.dryRun ?? false;
  const vars = options.vars ?? {};
  // Render everything before touching the database: a bad variable fails before any change.
  for (const migration of migrations) renderMigration(migration, vars);
  if (!dryRun) for (const statement of options.bootstrap ?? []) await db.execute(statement);
  const pending = pendingMigrations(migrations, await readHistory(db, dryRun), vars, options.onApplied);
  for (const item of pending) {
    options.onPending?.(item);
    if (dryRun) continue;
    const { migration } = item;
    if (options.transactional) await db.execute('BEGIN TRANSACTION');
    try {
      for (const statement of item.statements) await db.execute(statement);
      await db.execute(
        `INSERT INTO ${HISTORY_TABLE} (script, version, description, checksum, applied_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)`,
        [migration.script, migration.version, migration.description, item.checksum],
      );
      if (options.transactional) await db.execute('COMMIT');
    } catch (error) {
      if (options.transactional) await db.execute('ROLLBACK').catch(() => undefined);
      throw new MigrationScriptError(
        `${join(migration.folder, migration.script)} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  return pending.map((p) => p.migration.script);
}
