import { appendFile, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPlan, planMigrations } from '../../local/migration-plan';
import { DuckDbWarehouse } from '../../shared/adapters/duckdb-warehouse';
import { HISTORY_TABLE, MigrationChecksumError } from '../../shared/adapters/migrations';
import { sha256Hex } from '../../shared/checksum';
import { deployerWarehouse, FakeSnowflake } from '../helpers/fake-snowflake';

const SQL = resolve(import.meta.dirname, '../../sql');
const PORTABLE = ['V1.0.0__schemas.sql', 'V1.1.0__tables.sql', 'R__views.sql'];

describe('npm run migrate -- --plan on DuckDB (real scripts, real database)', () => {
  let dir: string;
  let sql: string;
  let db: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-duckdb-'));
    sql = join(dir, 'sql');
    db = join(dir, 'warehouse.duckdb');
    await mkdir(sql);
    for (const script of PORTABLE) await copyFile(join(SQL, script), join(sql, script));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const withWarehouse = async <T>(work: (wh: DuckDbWarehouse) => Promise<T>, readOnly = false) => {
    const wh = await DuckDbWarehouse.open(db, undefined, sql, { readOnly });
    try {
      return await work(wh);
    } finally {
      await wh.close();
    }
  };

  it('lists every script as pending on an empty database, and as applied once migrated', async () => {
    // Act
    const before = await withWarehouse((wh) => planMigrations(wh));
    await withWarehouse((wh) => wh.migrate());
    const after = await withWarehouse((wh) => planMigrations(wh), true);

    // Assess
    expect(before).toEqual(PORTABLE.map((script) => ({ script, status: 'new' })));
    expect(after).toEqual(PORTABLE.map((script) => ({ script, status: 'applied' })));
    expect(formatPlan('w', after)).toBe(
      'plan for w:\n  applied  V1.0.0__schemas.sql\n  applied  V1.1.0__tables.sql\n  applied  R__views.sql\nup to date: 3 script(s) applied\n',
    );
  });

  it('tells a new version and a changed repeatable from applied scripts, and changes nothing', async () => {
    // Prepare
    await withWarehouse((wh) => wh.migrate());
    await writeFile(join(sql, 'V1.2.0__extra.sql'), 'CREATE TABLE OPS.EXTRA (id INTEGER);\n');
    await appendFile(join(sql, 'R__views.sql'), '\n-- touched\n');

    // Act
    const plan = await withWarehouse((wh) => planMigrations(wh), true);
    const history = await withWarehouse((wh) => wh.query(`SELECT script FROM ${HISTORY_TABLE}`), true);
    const tables = await withWarehouse(
      (wh) => wh.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'EXTRA'"),
      true,
    );

    // Assess
    expect(plan).toEqual([
      { script: 'V1.0.0__schemas.sql', status: 'applied' },
      { script: 'V1.1.0__tables.sql', status: 'applied' },
      { script: 'V1.2.0__extra.sql', status: 'new' },
      { script: 'R__views.sql', status: 'changed' },
    ]);
    expect(formatPlan('w', plan)).toContain(
      '  pending  V1.2.0__extra.sql (new)\n  pending  R__views.sql (changed)\n2 pending, 2 applied\n',
    );
    expect(history).toHaveLength(3);
    expect(tables).toEqual([]);
  });

  it('fails the plan, as the migration would, when an applied V script was edited', async () => {
    // Prepare
    await withWarehouse((wh) => wh.migrate());
    await appendFile(join(sql, 'V1.1.0__tables.sql'), '\n-- edited after it ran\n');

    // Act
    const plan = withWarehouse((wh) => planMigrations(wh), true);

    // Assess
    await expect(plan).rejects.toBeInstanceOf(MigrationChecksumError);
  });
});

describe('npm run migrate -- --plan on Snowflake (fake session at the driver edge)', () => {
  let sql: string;
  beforeEach(async () => {
    sql = await mkdtemp(join(tmpdir(), 'plan-snowflake-'));
    await mkdir(join(sql, 'snowflake'));
    await writeFile(join(sql, 'V1.0.0__schemas.sql'), 'CREATE SCHEMA IF NOT EXISTS STAGING;\n');
    await writeFile(
      join(sql, 'snowflake', 'V1.2.0__file_formats.sql'),
      'CREATE FILE FORMAT IF NOT EXISTS {{ database }}.STAGING.PARQUET_FORMAT TYPE = PARQUET;\n',
    );
    await writeFile(join(sql, 'R__views.sql'), 'CREATE OR REPLACE VIEW ANALYTICS.V AS SELECT 1 AS x;\n');
  });
  afterEach(async () => {
    await rm(sql, { recursive: true, force: true });
  });

  const warehouse = (fake: FakeSnowflake) =>
    deployerWarehouse(fake, { sqlDirectory: sql, curatedBucket: 'curated' });

  it('reads the history with two SELECTs and sends nothing else: no bootstrap, no DDL', async () => {
    // Prepare: the history holds V1.0.0 (same checksum) and an older R__views.sql
    const fake = new FakeSnowflake();
    fake.reply = (statement) => {
      if (statement.startsWith('SELECT COUNT(*) AS n FROM information_schema.tables')) return [{ N: '1' }];
      if (statement.startsWith(`SELECT script, checksum FROM ${HISTORY_TABLE}`)) {
        return [
          { SCRIPT: 'V1.0.0__schemas.sql', CHECKSUM: sha256Hex('CREATE SCHEMA IF NOT EXISTS STAGING;\n') },
          { SCRIPT: 'R__views.sql', CHECKSUM: sha256Hex('an older version') },
        ];
      }
      return undefined;
    };
    const wh = warehouse(fake);

    // Act
    const plan = await planMigrations(wh, { vars: { database: 'SHOP' } });
    await wh.close();

    // Assess
    expect(fake.sql()).toEqual([
      "ALTER SESSION SET TIMEZONE = 'UTC', STATEMENT_TIMEOUT_IN_SECONDS = 600, LOCK_TIMEOUT = 600, QUERY_TAG = 'shop-pipeline'",
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE UPPER(table_schema) = 'OPS' AND UPPER(table_name) = 'SCHEMA_MIGRATIONS'",
      `SELECT script, checksum FROM ${HISTORY_TABLE} ORDER BY applied_at`,
    ]);
    expect(plan).toEqual([
      { script: 'V1.0.0__schemas.sql', status: 'applied' },
      { script: join('snowflake', 'V1.2.0__file_formats.sql'), status: 'new' },
      { script: 'R__views.sql', status: 'changed' },
    ]);
  });

  it('lists every script as new when the database has no history yet, reading nothing more', async () => {
    // Prepare
    const fake = new FakeSnowflake();
    const wh = warehouse(fake);

    // Act
    const plan = await planMigrations(wh, { vars: { database: 'SHOP' } });
    await wh.close();

    // Assess
    expect(fake.sql().slice(1)).toEqual([
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE UPPER(table_schema) = 'OPS' AND UPPER(table_name) = 'SCHEMA_MIGRATIONS'",
    ]);
    expect(plan.map((e) => e.status)).toEqual(['new', 'new', 'new']);
  });
});
