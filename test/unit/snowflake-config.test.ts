import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemorySecretStore } from '../../shared/adapters/secret-store';
import { SnowflakeWarehouse } from '../../shared/adapters/snowflake-warehouse';
import { compose } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { ConfigError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';

const SQL = resolve(import.meta.dirname, '../../sql');
const BASE = { RAW_BUCKET: 'raw', CURATED_BUCKET: 'curated', WAREHOUSE: 'snowflake' };

describe('Snowflake configuration', () => {
  it('defaults to the loader-side MERGE, the migrated stage and file format, and bounded timeouts', () => {
    // Act
    const config = loadConfig({ ...BASE, SNOWFLAKE_SECRET_ID: 'shop-pipeline/prod/snowflake' });

    // Assess
    expect(config.warehouse).toEqual({
      kind: 'snowflake',
      secretId: 'shop-pipeline/prod/snowflake',
      loadMode: 'loader',
      stage: 'STAGING.CURATED_STAGE',
      fileFormat: 'STAGING.PARQUET_FORMAT',
      connectTimeoutMs: 20_000,
      statementTimeoutSeconds: 240,
    });
  });

  it('reads the tasks load mode and the other settings from the environment', () => {
    // Act
    const config = loadConfig({
      ...BASE,
      SNOWFLAKE_SECRET_ID: 'file:./snowflake.json',
      SNOWFLAKE_LOAD_MODE: 'tasks',
      SNOWFLAKE_STAGE: 'SHOP.STAGING.OTHER_STAGE',
      SNOWFLAKE_CONNECT_TIMEOUT_MS: '5000',
      SNOWFLAKE_STATEMENT_TIMEOUT_S: '60',
    });

    // Assess
    expect(config.warehouse).toMatchObject({
      loadMode: 'tasks',
      stage: 'SHOP.STAGING.OTHER_STAGE',
      connectTimeoutMs: 5000,
      statementTimeoutSeconds: 60,
    });
  });

  it('needs a secret id when the warehouse is Snowflake', () => {
    // Act
    const loading = () => loadConfig(BASE);

    // Assess
    expect(loading).toThrow(ConfigError);
    expect(loading).toThrow('SNOWFLAKE_SECRET_ID: required when WAREHOUSE=snowflake');
  });

  it.each([
    ['SNOWFLAKE_STAGE', "STAGING.S'; DROP TABLE X; --"],
    ['SNOWFLAKE_FILE_FORMAT', 'A.B.C.D'],
    ['SNOWFLAKE_LOAD_MODE', 'both'],
    ['SNOWFLAKE_CONNECT_TIMEOUT_MS', '10'],
  ])('refuses an invalid %s, naming the variable but not echoing the value', (name, value) => {
    // Act
    let message = '';
    try {
      loadConfig({ ...BASE, SNOWFLAKE_SECRET_ID: 's', [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message).toContain(`${name}:`);
    if (name === 'SNOWFLAKE_STAGE') expect(message).not.toContain('DROP TABLE');
  });

  it('opens the Snowflake warehouse without connecting: nothing is signed in until the first batch', async () => {
    // Prepare
    let reads = 0;
    const secrets = new InMemorySecretStore({});
    secrets.get = async () => {
      reads += 1;
      return '{}';
    };
    const rt = compose(loadConfig({ ...BASE, SNOWFLAKE_SECRET_ID: 'shop/snowflake' }), {
      log: createLogger('silent'),
      secrets,
      sqlDirectory: '/nonexistent',
      snowflake: () => import('../../shared/adapters/snowflake-warehouse'),
    });

    // Act
    const warehouse = await rt.warehouse();

    // Assess
    expect(warehouse).toBeInstanceOf(SnowflakeWarehouse);
    expect(reads).toBe(0);
    await rt.close();
  });

  it('refuses WAREHOUSE=snowflake in a function built without the Snowflake adapter', async () => {
    // Prepare
    const rt = compose(loadConfig({ ...BASE, SNOWFLAKE_SECRET_ID: 'shop/snowflake' }), {
      log: createLogger('silent'),
    });
    // Act + Assess
    await expect(rt.warehouse()).rejects.toThrow(/built without the Snowflake adapter/);
    await rt.close();
  });

  it('opens the warehouse again on the next call when opening failed (a warm container recovers)', async () => {
    // Prepare: a DuckDB file that cannot be created while a file stands where its folder goes
    const dir = await mkdtemp(join(tmpdir(), 'open-'));
    await writeFile(join(dir, 'data'), '');
    const config = loadConfig({
      RAW_BUCKET: 'raw',
      CURATED_BUCKET: 'curated',
      DUCKDB_PATH: join(dir, 'data', 'w.duckdb'),
    });
    const rt = compose(config, { log: createLogger('silent'), sqlDirectory: SQL });
    await expect(rt.warehouse()).rejects.toThrow(/EEXIST|ENOTDIR/);
    await rm(join(dir, 'data'));

    // Act
    const warehouse = await rt.warehouse();

    // Assess
    expect(await warehouse.query('SELECT COUNT(*)::INTEGER AS n FROM OPS.LOAD_AUDIT')).toEqual([{ n: 0 }]);
    await rt.close();
    await rm(dir, { recursive: true, force: true });
  });
});
