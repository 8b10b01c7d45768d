import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../checksum';
import { PipelineError } from '../errors';

/**
 * A forward-only migration runner with schemachange/Flyway conventions: `V<version>__<name>.sql`
 * runs once in version order, `R__<name>.sql` re-runs when its checksum changes, and the history
 * lives in OPS.SCHEMA_MIGRATIONS. An edited V script is refused.
 */

export interface SqlExecutor {
  execute(sql: string, params?: unknown[]): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

export interface Migration {
  kind: 'versioned' | 'repeatable';
  version: string | null;
  description: string;
  script: string;
  sql: string;
  checksum: string;
}

export class MigrationChecksumError extends PipelineError {
  readonly code = 'MIGRATION_EDITED';
  readonly kind = 'terminal';
}

const VERSIONED = /^V(\d+(?:\.\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};

/** Migrations of a folder (only its top level), versioned first in version order, then repeatables by name. */
export function readMigrations(directory: string): Migration[] {
  const migrations: Migration[] = [];
  for (const script of readdirSync(directory).sort()) {
    const versioned = VERSIONED.exec(script);
    const repeatable = REPEATABLE.exec(script);
    if (!versioned && !repeatable) continue;
    const sql = readFileSync(join(directory, script), 'utf8');
    migrations.push({
      kind: versioned ? 'versioned' : 'repeatable',
      version: versioned?.[1] ?? null,
      description: (versioned?.[2] ?? repeatable?.[1] ?? script).replace(/_/g, ' '),
      script,
      sql,
      checksum: sha256Hex(sql),
    });
  }
  return migrations.sort((a, b) =>
    a.kind !== b.kind
      ? a.kind === 'versioned'
        ? -1
        : 1
      : a.version && b.version
        ? compareVersions(a.version, b.version)
        : a.script.localeCompare(b.script),
  );
}

/** Split a script into statements on `;` outside quotes and comments. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i += 1;
      current += '\n';
    } else if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

const HISTORY = 'OPS.SCHEMA_MIGRATIONS';

/** Apply pending migrations; returns the scripts applied (or that would be, with dryRun). */
export async function applyMigrations(
  db: SqlExecutor,
  migrations: Migration[],
  options: { dryRun?: boolean } = {},
): Promise<string[]> {
  await db.execute('CREATE SCHEMA IF NOT EXISTS OPS');
  await db.execute(
    `CREATE TABLE IF NOT EXISTS ${HISTORY} (script VARCHAR NOT NULL, version VARCHAR, description VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`,
  );
  const history = await db.query(`SELECT script, checksum FROM ${HISTORY} ORDER BY applied_at`);
  const lastChecksum = new Map(history.map((row) => [String(row.script), String(row.checksum)]));
  const applied: string[] = [];
  for (const migration of migrations) {
    const previous = lastChecksum.get(migration.script);
    if (migration.kind === 'versioned' && previous !== undefined) {
      if (previous !== migration.checksum) {
        throw new MigrationChecksumError(
          `${migration.script} was edited after it was applied; add a new version instead`,
        );
      }
      continue;
    }
    if (migration.kind === 'repeatable' && previous === migration.checksum) continue;
    applied.push(migration.script);
    if (options.dryRun) continue;
    for (const statement of splitStatements(migration.sql)) await db.execute(statement);
    await db.execute(
      `INSERT INTO ${HISTORY} (script, version, description, checksum, applied_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)`,
      [migration.script, migration.version, migration.description, migration.checksum],
    );
  }
  return applied;
}
