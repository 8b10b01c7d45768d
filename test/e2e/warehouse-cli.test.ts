import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFor } from '../../shared/adapters/migrations';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
/** How many scripts each target applies: the folders decide, not this test. */
const portableScripts = migrationsFor(join(root, 'sql'), 'duckdb').length;
const snowflakeScripts = migrationsFor(join(root, 'sql'), 'snowflake').length;

/** Run one of the local CLIs (what `npm run migrate` / `npm run query` run) as a child process. */
async function cli(script: 'migrate' | 'query', args: string[]) {
  try {
    const out = await run(process.execPath, ['--import', 'tsx', `local/${script}.ts`, ...args], {
      cwd: root,
      timeout: 60_000,
    });
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run migrate and npm run query on a local DuckDB file', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warehouse-cli-'));
    db = join(dir, 'warehouse.duckdb');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists what it would run without creating the file, applies it, and queries it read-only', async () => {
    // Act
    const dry = await cli('migrate', ['--target', 'duckdb', '--db', db, '--dry-run']);
    const created = existsSync(db);
    const applied = await cli('migrate', ['--target', 'duckdb', '--db', db]);
    const planned = await cli('migrate', ['--target', 'duckdb', '--db', db, '--plan']);
    const [table, json] = await Promise.all([
      cli('query', ['--db', db, 'SELECT script FROM OPS.SCHEMA_MIGRATIONS ORDER BY script']),
      cli('query', ['--db', db, '--json', 'SELECT COUNT(*)::INTEGER AS n FROM ANALYTICS.VW_DAILY_REVENUE']),
    ]);

    // Assess
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('would apply V1.0.0__schemas.sql (new)');
    expect(dry.stdout).toContain('  CREATE SCHEMA IF NOT EXISTS STAGING;');
    expect(created).toBe(false);
    expect(portableScripts).toBeGreaterThanOrEqual(3);
    expect(applied.stdout).toContain(`${portableScripts} script(s) applied on ${db}`);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(
      new RegExp(`^plan for ${db}:\n(  applied  \\S+\n)+up to date: \\d+ script\\(s\\) applied\n$`),
    );
    expect(planned.stdout).toContain('  applied  R__views.sql\n');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('R__views.sql');
    expect(table.stdout).toContain(`(${portableScripts} rows;`);
    expect(json.stdout.trim()).toBe('{"n":0}');
  });

  it('prints the rendered Snowflake scripts in a dry run without credentials, and names a missing variable', async () => {
    // Act
    const [missing, listed] = await Promise.all([
      cli('migrate', ['--target', 'snowflake', '--dry-run']),
      cli('migrate', [
        '--target',
        'snowflake',
        '--dry-run',
        '--var',
        'database=SHOP',
        '--var',
        'curated_bucket=shop-pipeline-curated-dev',
        '--var',
        'storage_aws_role_arn=arn:aws:iam::123456789012:role/shop-pipeline-dev-snowflake-storage',
        '--var',
        'storage_external_id=shop-pipeline-dev-snowflake',
      ]),
    ]);

    // Assess
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--var database=...');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('would apply snowflake/V0.1.0__account_setup.sql (new)');
    expect(listed.stdout).toContain("URL = 's3://shop-pipeline-curated-dev/curated/'");
    expect(listed.stdout).not.toContain('{{');
    expect(listed.stdout).toContain(`${snowflakeScripts} script(s) would run on Snowflake`);
  });
});
