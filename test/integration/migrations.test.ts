import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/adapters/duckdb-warehouse';
import {
  MigrationChecksumError,
  MigrationScriptError,
  migrationsFor,
  type PendingMigration,
  splitStatements,
} from '../../shared/adapters/migrations';
import { streamsOf, tasksScript } from '../../shared/domain/load-statements';
import { deployerWarehouse, FakeSnowflake } from '../helpers/fake-snowflake';

const SQL = resolve(import.meta.dirname, '../../sql');
const VARS = {
  storage_aws_role_arn: 'arn:aws:iam::123456789012:role/shop-pipeline-dev-snowflake-storage',
  storage_external_id: 'shop-pipeline-dev-snowflake',
  curated_bucket: 'shop-pipeline-curated-dev-eu-west-1-123456789012',
};
const PORTABLE = [
  'V1.0.0__schemas.sql',
  'V1.1.0__tables.sql',
  'V1.8.0__order_snapshots.sql',
  'R__reject_reasons.sql',
  'R__views.sql',
];

const snowflake = (fake: FakeSnowflake, sqlDirectory = SQL) =>
  deployerWarehouse(fake, { sqlDirectory, curatedBucket: VARS.curated_bucket });

describe('migrations on DuckDB (the portable scripts)', () => {
  let dir: string;
  const open: DuckDbWarehouse[] = [];
  const duck = async (sql = SQL, path = ':memory:', readOnly = false) => {
    const wh = await DuckDbWarehouse.open(path, undefined, sql, { readOnly });
    open.push(wh);
    return wh;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  });
  afterEach(async () => {
    for (const wh of open.splice(0)) await wh.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the portable scripts in order, records them, and applies nothing the second time', async () => {
    // Prepare
    const wh = await duck();

    // Act
    const first = await wh.migrate();
    const second = await wh.migrate();

    // Assess
    expect(first).toEqual(PORTABLE);
    expect(second).toEqual([]);
    const history = await wh.query(
      'SELECT script, version, description FROM OPS.SCHEMA_MIGRATIONS ORDER BY applied_at, script',
    );
    expect(history.map((h) => h.script).sort()).toEqual([...PORTABLE].sort());
    expect(history.find((h) => h.script === 'V1.1.0__tables.sql')).toEqual({
      script: 'V1.1.0__tables.sql',
      version: '1.1.0',
      description: 'tables',
    });
  });

  it('re-applies a repeatable script whose checksum changed, and refuses an edited versioned one', async () => {
    // Prepare
    const sql = join(dir, 'sql');
    await cp(SQL, sql, { recursive: true });
    const wh = await duck(sql);
    await wh.migrate();
    const views = join(sql, 'R__views.sql');
    await writeFile(views, `${await readFile(views, 'utf8')}\n-- a comment changes the checksum\n`);

    // Act
    const reapplied = await wh.migrate();
    await writeFile(join(sql, 'V1.0.0__schemas.sql'), 'CREATE SCHEMA IF NOT EXISTS EXTRA;');
    const edited = wh.migrate();

    // Assess
    expect(reapplied).toEqual(['R__views.sql']);
    await expect(edited).rejects.toThrow(MigrationChecksumError);
    await expect(edited).rejects.toThrow(/V1.0.0__schemas.sql was edited/);
  });

  it('reports what a dry run would apply, statement by statement, and changes nothing', async () => {
    // Prepare: an existing, empty database file opened read-only
    const path = join(dir, 'w.duckdb');
    await (await duck(SQL, path)).close();
    open.pop();
    const wh = await duck(SQL, path, true);
    const pending: PendingMigration[] = [];

    // Act
    const scripts = await wh.migrate({ dryRun: true, onPending: (p) => pending.push(p) });

    // Assess
    expect(scripts).toEqual(PORTABLE);
    expect(pending[0]?.statements).toEqual([
      'CREATE SCHEMA IF NOT EXISTS RAW',
      'CREATE SCHEMA IF NOT EXISTS STAGING',
      'CREATE SCHEMA IF NOT EXISTS ANALYTICS',
      'CREATE SCHEMA IF NOT EXISTS OPS',
    ]);
    expect(
      await wh.query("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'OPS'"),
    ).toEqual([]);
  });

  it('rolls back a failing script with its history row, naming the script', async () => {
    // Prepare
    const sql = join(dir, 'sql');
    await cp(SQL, sql, { recursive: true });
    await writeFile(
      join(sql, 'V1.2.0__broken.sql'),
      'CREATE TABLE OPS.HALF (a INTEGER);\nCREATE TABLE NOPE.X (a INTEGER);',
    );
    const wh = await duck(sql);

    // Act
    const migrating = wh.migrate();

    // Assess
    await expect(migrating).rejects.toThrow(MigrationScriptError);
    await expect(migrating).rejects.toThrow(/V1.2.0__broken.sql failed/);
    expect(
      await wh.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'HALF'"),
    ).toEqual([]);
    expect(
      await wh.query("SELECT script FROM OPS.SCHEMA_MIGRATIONS WHERE script = 'V1.2.0__broken.sql'"),
    ).toEqual([]);
  });
});

describe('migrations for Snowflake (a fake session at the driver edge)', () => {
  it('creates the database, then applies Snowflake-only and portable scripts in one version order', async () => {
    // Prepare
    const fake = new FakeSnowflake();

    // Act
    const applied = await snowflake(fake).migrate({ vars: VARS });

    // Assess
    expect(applied).toEqual([
      'V0.1.0__account_setup.sql',
      'V1.0.0__schemas.sql',
      'V1.1.0__tables.sql',
      'V1.2.0__file_formats.sql',
      'V1.3.0__storage_integration_and_stage.sql',
      'V1.4.0__streams.sql',
      'V1.5.0__loader_grants.sql',
      'V1.8.0__order_snapshots.sql',
      'V1.8.1__order_snapshot_grants.sql',
      'R__reject_reasons.sql',
      'R__tasks.sql',
      'R__views.sql',
    ]);
    const sql = fake.sql();
    expect(sql.slice(1, 6)).toEqual([
      'CREATE DATABASE IF NOT EXISTS SHOP',
      'USE DATABASE SHOP',
      'CREATE SCHEMA IF NOT EXISTS OPS',
      'CREATE TABLE IF NOT EXISTS OPS.SCHEMA_MIGRATIONS (script VARCHAR NOT NULL, version VARCHAR, description VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
      'SELECT script, checksum FROM OPS.SCHEMA_MIGRATIONS ORDER BY applied_at',
    ]);
    expect(sql[6]).toBe('CREATE ROLE IF NOT EXISTS PIPELINE_LOADER');
    expect(sql).toContain(
      [
        'CREATE STORAGE INTEGRATION IF NOT EXISTS CURATED_S3',
        '  TYPE = EXTERNAL_STAGE',
        "  STORAGE_PROVIDER = 'S3'",
        '  ENABLED = TRUE',
        `  STORAGE_AWS_ROLE_ARN = '${VARS.storage_aws_role_arn}'`,
        `  STORAGE_AWS_EXTERNAL_ID = '${VARS.storage_external_id}'`,
        `  STORAGE_ALLOWED_LOCATIONS = ('s3://${VARS.curated_bucket}/curated/')`,
      ].join('\n'),
    );
    expect(sql).toContain('ALTER TASK OPS.MERGE_FACT_ORDER_LINES SUSPEND');
    expect(sql.filter((s) => s.includes('{{'))).toEqual([]);
    const history = fake.statements.filter((s) => s.sql.startsWith('INSERT INTO OPS.SCHEMA_MIGRATIONS'));
    expect(history.map((h) => h.binds.slice(0, 3))).toEqual(
      applied.map((script) => [
        script,
        /^V([\d.]+)__/.exec(script)?.[1] ?? null,
        script
          .replace(/^(V[\d.]+|R)__/, '')
          .replace(/\.sql$/, '')
          .replace(/_/g, ' '),
      ]),
    );
  });

  it('resumes the MERGE tasks only in tasks mode', async () => {
    // Prepare
    const fake = new FakeSnowflake();

    // Act
    await snowflake(fake).migrate({ vars: { ...VARS, task_action: 'RESUME' } });

    // Assess
    const tasks = fake.sql().filter((s) => s.startsWith('ALTER TASK'));
    expect(tasks).toEqual([
      'ALTER TASK OPS.MERGE_DIM_CUSTOMER RESUME',
      'ALTER TASK OPS.MERGE_DIM_ADDRESS RESUME',
      'ALTER TASK OPS.MERGE_DIM_PRODUCT RESUME',
      'ALTER TASK OPS.MERGE_FACT_ORDER_LINES RESUME',
    ]);
  });

  it('refuses an unsafe or missing variable before sending any migration statement', async () => {
    // Prepare
    const unsafe = new FakeSnowflake();
    const missing = new FakeSnowflake();

    // Act
    const bad = snowflake(unsafe).migrate({ vars: { ...VARS, loader_role: 'X; DROP DATABASE SHOP' } });
    const absent = snowflake(missing).migrate({ vars: { ...VARS, curated_bucket: '' } });

    // Assess
    await expect(bad).rejects.toThrow(
      '--var loader_role is not valid for snowflake/V0.1.0__account_setup.sql',
    );
    await expect(absent).rejects.toThrow(/needs --var curated_bucket=/);
    for (const fake of [unsafe, missing]) expect(fake.sql().slice(1)).toEqual([]);
  });

  it('applies only what changed on a second run against the recorded history', async () => {
    // Prepare: the history Snowflake would hold after a first run
    const first = new FakeSnowflake();
    await snowflake(first).migrate({ vars: VARS });
    const rows = first.statements
      .filter((s) => s.sql.startsWith('INSERT INTO OPS.SCHEMA_MIGRATIONS'))
      .map((s) => ({ SCRIPT: s.binds[0], CHECKSUM: s.binds[3] })); // Snowflake upper-cases column names
    const second = new FakeSnowflake();
    second.reply = (sql) => (sql.startsWith('SELECT script, checksum') ? rows : undefined);

    // Act: switching to tasks mode re-renders R__tasks.sql only
    const applied = await snowflake(second).migrate({ vars: { ...VARS, task_action: 'RESUME' } });

    // Assess
    expect(applied).toEqual(['R__tasks.sql']);
  });

  it('includes the raw-zone Snowpipe only when asked', async () => {
    // Act
    const plain = migrationsFor(SQL, 'snowflake').map((m) => m.script);
    const withPipe = migrationsFor(SQL, 'snowflake', { optional: true }).map((m) => m.script);

    // Assess
    expect(plain).not.toContain('V2.0.0__raw_snowpipe.sql');
    expect(withPipe).toContain('V2.0.0__raw_snowpipe.sql');
    expect(migrationsFor(SQL, 'duckdb').map((m) => m.script)).toEqual(PORTABLE);
  });
});

describe('the scripts themselves', () => {
  const statementsOf = (target: 'duckdb' | 'snowflake', optional = false) =>
    migrationsFor(SQL, target, { optional }).flatMap((m) =>
      splitStatements(m.sql.replace(/\{\{\s*(\w+)\s*\}\}/g, '{{$1}}')).map((statement) => ({
        script: `${m.folder}/${m.script}`,
        statement,
      })),
    );

  it('keeps Snowflake-only statements out of the portable scripts', () => {
    // Act
    const portable = statementsOf('duckdb');

    // Assess
    const snowflakeOnly =
      /\b(STAGE|STREAM|TASK|PIPE|INTEGRATION|VARIANT|FILE FORMAT|GRANT|WAREHOUSE|ROLE|COPY GRANTS)\b|\{\{/i;
    expect(portable.filter((s) => snowflakeOnly.test(s.statement))).toEqual([]);
    expect(portable.length).toBeGreaterThan(10);
  });

  it('creates every object once across the portable and Snowflake folders', () => {
    // Act
    const created = statementsOf('snowflake', true).flatMap(({ script, statement }) => {
      const m =
        /^CREATE (?:OR REPLACE )?(SCHEMA|TABLE|VIEW|STAGE|STREAM|TASK|PIPE|FILE FORMAT|STORAGE INTEGRATION|WAREHOUSE|DATABASE|ROLE)(?: IF NOT EXISTS)? (\S+)/i.exec(
          statement,
        );
      return m ? [{ object: `${m[1]!.toUpperCase()} ${m[2]}`, script }] : [];
    });

    // Assess
    const seen = new Map<string, string>();
    const twice = created.filter(({ object, script }) => {
      const other = seen.get(object);
      seen.set(object, script);
      return other !== undefined && other !== script;
    });
    expect(twice).toEqual([]);
    expect(created.length).toBeGreaterThan(20);
  });

  it('keeps R__tasks.sql as generated from the load statements (npm run migrate -- --generate)', async () => {
    // Act
    const file = await readFile(join(SQL, 'snowflake', 'R__tasks.sql'), 'utf8');

    // Assess
    expect(file).toBe(tasksScript());
  });

  it('creates exactly the streams the tasks read', async () => {
    // Act
    const streams = splitStatements(await readFile(join(SQL, 'snowflake', 'V1.4.0__streams.sql'), 'utf8'));

    // Assess
    expect(streams).toEqual(
      streamsOf().map(
        ({ stream, staging }) =>
          `CREATE STREAM IF NOT EXISTS ${stream}\n  ON TABLE ${staging} APPEND_ONLY = TRUE`,
      ),
    );
  });

  it('refuses two scripts that share a version across folders', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'dup-'));
    try {
      await cp(SQL, join(dir, 'sql'), { recursive: true });
      await writeFile(join(dir, 'sql', 'snowflake', 'V1.1__also_tables.sql'), 'SELECT 1;');

      // Act
      const reading = () => migrationsFor(join(dir, 'sql'), 'snowflake');

      // Assess
      expect(reading).toThrow(MigrationScriptError);
      expect(reading).toThrow(/V1.1__also_tables.sql and \/?V1.1.0__tables.sql share a version/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'a $$ body',
      'CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$;\nSELECT 2;',
      2,
    ],
    ['a block comment', '/* one; two */ SELECT 1; SELECT 2;', 2],
    ['a quoted semicolon', "SELECT ';' AS s; -- trailing; comment\nSELECT 2", 2],
  ])('splits statements around %s', (_, sql, count) => {
    // Act
    const statements = splitStatements(sql);

    // Assess
    expect(statements).toHaveLength(count);
  });
});
