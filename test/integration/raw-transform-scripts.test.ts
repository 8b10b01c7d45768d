import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../shared/adapters/duckdb-warehouse';
import { migrationsFor, splitStatements } from '../../shared/adapters/migrations';
import { REASON } from '../../shared/constants';
import { GENERATED_SCRIPTS } from '../../shared/domain/generated-scripts';
import {
  DUCKDB,
  RAW_STREAMS,
  rawPipeStatement,
  rawStreamStatement,
  rawTablesDdl,
  SNOWFLAKE,
  TRANSFORM_TASK,
  transformBatchStatements,
  transformTablesDdl,
} from '../../shared/domain/raw-transform';
import { REJECT_REASONS } from '../../shared/domain/reject-reasons';
import { deployerWarehouse, FakeSnowflake } from '../helpers/fake-snowflake';

/**
 * The Snowflake-native path's scripts: generated ones are fresh, the reason-code table matches the
 * code, the Snowflake-only scripts parse into the statements the code builds, and a migration with
 * `--with-snowpipe` sends them, in order, to a fake session at the driver's edge.
 */

const SQL = resolve(import.meta.dirname, '../../sql');
const VARS = {
  storage_aws_role_arn: 'arn:aws:iam::123456789012:role/shop-pipeline-dev-snowflake-storage',
  storage_external_id: 'shop-pipeline-dev-snowflake',
  curated_bucket: 'shop-pipeline-curated-dev-eu-west-1-123456789012',
  raw_bucket: 'shop-pipeline-raw-dev-eu-west-1-123456789012',
  raw_storage_aws_role_arn: 'arn:aws:iam::123456789012:role/shop-pipeline-dev-snowflake-raw',
};
const script = (path: string) => readFile(join(SQL, path), 'utf8');

describe('generated scripts', () => {
  it.each(GENERATED_SCRIPTS.map((s) => [s.path, s.render] as const))(
    'keeps %s as its code renders it (npm run migrate -- --generate)',
    async (path, render) => {
      // Act
      const file = await script(path);

      // Assess
      expect(file).toBe(render());
    },
  );
});

describe('the reason codes, one table for both rule paths', () => {
  const open: DuckDbWarehouse[] = [];
  afterAll(async () => {
    for (const wh of open) await wh.close();
  });

  it('describes every code once, duplicates apart', () => {
    // Assess
    expect(REJECT_REASONS.map((r) => r.code)).toEqual(Object.values(REASON));
    expect(REJECT_REASONS.filter((r) => r.outcome === 'duplicate').map((r) => r.code)).toEqual([
      REASON.duplicate,
    ]);
    expect(REJECT_REASONS.every((r) => r.description.length > 10)).toBe(true);
  });

  it('seeds OPS.REJECT_REASONS with exactly the codes of the TypeScript rules (portable migrations on DuckDB)', async () => {
    // Prepare
    const wh = await DuckDbWarehouse.open(':memory:', undefined, SQL);
    open.push(wh);

    // Act
    await wh.migrate();
    const rows = await wh.query(
      'SELECT reason_code, outcome, description FROM OPS.REJECT_REASONS ORDER BY reason_code',
    );

    // Assess
    expect(rows).toEqual(
      [...REJECT_REASONS]
        .sort((a, b) => a.code.localeCompare(b.code))
        .map((r) => ({ reason_code: r.code, outcome: r.outcome, description: r.description })),
    );
  });
});

describe('the Snowflake-only scripts of the native path', () => {
  it('lands each raw entity with its own pipe and stream, and drops the single-table pipe it replaces', async () => {
    // Act
    const statements = splitStatements(await script('snowflake/optional/V2.1.0__raw_entity_pipes.sql'));

    // Assess
    expect(statements).toEqual([
      'DROP PIPE IF EXISTS RAW.API_PAGES_PIPE',
      ...rawTablesDdl(SNOWFLAKE),
      ...RAW_STREAMS.map(rawPipeStatement),
      ...RAW_STREAMS.map(rawStreamStatement),
    ]);
  });

  it('wraps the same batch statements the DuckDB test runs in a procedure, run by a task on the streams', async () => {
    // Act
    const file = await script('snowflake/optional/R__raw_transform.sql');
    const statements = splitStatements(file);

    // Assess: work tables, run table, two procedures, the task and its RESUME
    expect(statements).toHaveLength(transformTablesDdl().length + 5);
    expect(statements.slice(0, transformTablesDdl().length)).toEqual(transformTablesDdl());
    const batch = statements.find((s) => s.startsWith('CREATE OR REPLACE PROCEDURE RAW.TRANSFORM_BATCH'))!;
    for (const statement of transformBatchStatements(SNOWFLAKE)) {
      expect(batch).toContain(statement.split('\n')[0]);
    }
    expect(batch.replace(/\n {4}/g, '\n')).toContain(transformBatchStatements(SNOWFLAKE).join(';\n'));
    expect(batch).toMatch(
      /SELECT COUNT\(\*\) INTO :audited FROM OPS\.LOAD_AUDIT WHERE batch_id = :batch_id;\n\s+IF \(audited > 0\)/,
    );
    expect(statements.at(-2)).toBe(
      [
        `CREATE OR REPLACE TASK ${TRANSFORM_TASK}`,
        '  WAREHOUSE = {{ load_warehouse }}',
        "  SCHEDULE = '{{ task_schedule }}'",
        "  WHEN SYSTEM$STREAM_HAS_DATA('RAW.CUSTOMERS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.PRODUCTS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.ORDERS_RAW_STREAM')",
        'AS',
        'CALL RAW.TRANSFORM_PENDING()',
      ].join('\n'),
    );
    expect(statements.at(-1)).toBe(`ALTER TASK ${TRANSFORM_TASK} RESUME`);
  });

  it('renders each dialect with its own syntax only', () => {
    // Act
    const snowflake = transformBatchStatements(SNOWFLAKE).join('\n');
    const duckdb = transformBatchStatements(DUCKDB).join('\n');

    // Assess
    for (const duckOnly of [
      'json_extract',
      'json_type',
      'regexp_full_match',
      'unnest(',
      '$1',
      'HUGEINT',
      'to_milliseconds',
    ]) {
      expect(snowflake, duckOnly).not.toContain(duckOnly);
      expect(duckdb, duckOnly).toContain(duckOnly);
    }
    for (const snowOnly of [
      'GET(',
      'TYPEOF(',
      'FLATTEN(',
      'REGEXP_LIKE(',
      'REGEXP_SUBSTR(',
      ':batch_id',
      'DATEADD(',
    ]) {
      expect(duckdb, snowOnly).not.toContain(snowOnly);
      expect(snowflake, snowOnly).toContain(snowOnly);
    }
  });

  it.each([
    ['get', SNOWFLAKE.get('r.record', 'users'), "GET(r.record, 'users')"],
    ['get', DUCKDB.get('r.record', 'users'), `json_extract(r.record, '$."users"')`],
    ['elements', SNOWFLAKE.elements('x', 'u').from, 'LATERAL FLATTEN(input => x) u'],
    [
      'elements',
      DUCKDB.elements('x', 'u').from,
      "unnest(json_extract(x, '$[*]')) WITH ORDINALITY AS u(value, ord)",
    ],
    ['fullMatch', SNOWFLAKE.fullMatch('t', '[0-9]+', true), "REGEXP_LIKE(t, '[0-9]+', 'i')"],
    ['fullMatch', DUCKDB.fullMatch('t', '[0-9]+'), "regexp_full_match(t, '[0-9]+')"],
    ['extract', SNOWFLAKE.extract('t', '(a)(b)', 2), "REGEXP_SUBSTR(t, '(a)(b)', 1, 1, 'e', 2)"],
    ['intDiv', SNOWFLAKE.intDiv('a', 'b'), '((a) - MOD(a, b)) / (b)'],
  ])('spells %s as the engine expects: %s', (_, actual, expected) => {
    // Assess
    expect(actual).toBe(expected);
  });

  it('sends the optional scripts, in order, to Snowflake with --with-snowpipe (fake session)', async () => {
    // Prepare
    const fake = new FakeSnowflake();
    const wh = deployerWarehouse(fake, { sqlDirectory: SQL, curatedBucket: VARS.curated_bucket });

    // Act
    const applied = await wh.migrate({ vars: VARS, optional: true });
    await wh.close();

    // Assess
    const expected = migrationsFor(SQL, 'snowflake', { optional: true }).map((m) => m.script);
    expect(applied).toEqual(expected);
    expect(applied.indexOf('V2.1.0__raw_entity_pipes.sql')).toBeGreaterThan(
      applied.indexOf('V2.0.0__raw_snowpipe.sql'),
    );
    expect(applied).toContain('R__raw_transform.sql');
    expect(applied).toContain('R__reject_reasons.sql');
    const sql = fake.sql();
    const at = (start: string) => sql.findIndex((s) => s.startsWith(start));
    expect(at('CREATE STAGE IF NOT EXISTS RAW.RAW_STAGE')).toBeLessThan(
      at('CREATE PIPE IF NOT EXISTS RAW.ORDERS_RAW_PIPE'),
    );
    expect(at('CREATE STREAM IF NOT EXISTS RAW.ORDERS_RAW_STREAM')).toBeLessThan(
      at(`CREATE OR REPLACE TASK ${TRANSFORM_TASK}`),
    );
    expect(sql).toContain(
      `CREATE OR REPLACE TASK ${TRANSFORM_TASK}\n  WAREHOUSE = LOAD_WH\n  SCHEDULE = '5 MINUTE'\n  WHEN SYSTEM$STREAM_HAS_DATA('RAW.CUSTOMERS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.PRODUCTS_RAW_STREAM') OR SYSTEM$STREAM_HAS_DATA('RAW.ORDERS_RAW_STREAM')\nAS\nCALL RAW.TRANSFORM_PENDING()`,
    );
    expect(sql.filter((s) => s.includes('{{'))).toEqual([]);
  });
});
