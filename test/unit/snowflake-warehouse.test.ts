import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { InMemorySecretStore, type SecretStore } from '../../shared/adapters/secret-store';
import { type SnowflakeSettings, SnowflakeWarehouse } from '../../shared/adapters/snowflake-warehouse';
import type { LoadBatch } from '../../shared/adapters/warehouse';
import { ConfigError, ManifestMismatchError, WarehouseError } from '../../shared/errors';
import { createLogger } from '../../shared/logger';
import { FakeSnowflake, sessionExpired } from '../helpers/fake-snowflake';

const BATCH = 'dummyjson-20261126T030000Z';
const MANIFEST = `curated/_manifests/${BATCH}.json`;
const SECRET_ID = 'shop-pipeline/test/snowflake';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const CREDENTIALS = {
  account: 'myorg-myaccount',
  user: 'PIPELINE_LOADER',
  role: 'PIPELINE_LOADER',
  warehouse: 'LOAD_WH',
  database: 'SHOP',
  privateKey: PEM,
};

const batch = (): LoadBatch => ({
  batchId: BATCH,
  bucket: 'curated',
  manifestKey: MANIFEST,
  files: [
    {
      table: 'order_lines',
      key: `curated/order_lines/order_date=2026-11-25/${BATCH}-part-0.parquet`,
      rows: 4,
    },
    {
      table: 'order_lines',
      key: `curated/order_lines/order_date=2026-11-26/${BATCH}-part-0.parquet`,
      rows: 5,
    },
    { table: 'customers', key: `curated/customers/${BATCH}-part-0.parquet`, rows: 3 },
    { table: 'products', key: `curated/products/${BATCH}-part-0.parquet`, rows: 2 },
    { table: 'order_rejects', key: `curated/order_rejects/${BATCH}-part-0.parquet`, rows: 1 },
  ],
});

const settings = (overrides: Partial<SnowflakeSettings> = {}): SnowflakeSettings => ({
  secretId: SECRET_ID,
  loadMode: 'loader',
  stage: 'STAGING.CURATED_STAGE',
  fileFormat: 'STAGING.PARQUET_FORMAT',
  curatedBucket: 'curated',
  connectTimeoutMs: 5_000,
  statementTimeoutSeconds: 240,
  ...overrides,
});

const copy = (table: string, files: string[]) =>
  [
    `COPY INTO ${table}`,
    'FROM @STAGING.CURATED_STAGE',
    `FILES = (${files.map((f) => `'${f}'`).join(', ')})`,
    "FILE_FORMAT = (FORMAT_NAME = 'STAGING.PARQUET_FORMAT')",
    'MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
    'ON_ERROR = ABORT_STATEMENT',
    'FORCE = TRUE',
  ].join('\n');

// The MERGE statements, written out: what Snowflake receives, character for character.
const MERGE_DIM_CUSTOMER = `MERGE INTO ANALYTICS.DIM_CUSTOMER t
USING (SELECT source, customer_id, first_name, last_name, email, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = ?
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET first_name = s.first_name, last_name = s.last_name, email = s.email, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, customer_id, first_name, last_name, email, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.first_name, s.last_name, s.email, s.batch_id, s.ingested_at)`;

const MERGE_DIM_ADDRESS = `MERGE INTO ANALYTICS.DIM_ADDRESS t
USING (SELECT source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = ?
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, customer_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET address_line = s.address_line, city = s.city, state = s.state, country = s.country, postal_code = s.postal_code, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, customer_id, address_line, city, state, country, postal_code, batch_id, ingested_at) VALUES (s.source, s.customer_id, s.address_line, s.city, s.state, s.country, s.postal_code, s.batch_id, s.ingested_at)`;

const MERGE_DIM_PRODUCT = `MERGE INTO ANALYTICS.DIM_PRODUCT t
USING (SELECT source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at FROM STAGING.PRODUCTS_LOAD WHERE batch_id = ?
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, product_id ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.product_id = s.product_id
WHEN MATCHED THEN UPDATE SET title = s.title, category = s.category, brand = s.brand, unit_price = s.unit_price, unit_cost = s.unit_cost, cost_source = s.cost_source, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (source, product_id, title, category, brand, unit_price, unit_cost, cost_source, batch_id, ingested_at) VALUES (s.source, s.product_id, s.title, s.category, s.brand, s.unit_price, s.unit_cost, s.cost_source, s.batch_id, s.ingested_at)`;

const FACT_COLUMNS =
  'source, order_id, line_no, order_ts, order_date, status, customer_id, product_id, quantity, unit_price, discount_pct, revenue, discount_amount, net_revenue, unit_cost, cost, profit, net_profit, channel, payment_method, source_file, batch_id, ingested_at';
const MERGE_FACT = `MERGE INTO ANALYTICS.FACT_ORDER_LINES t
USING (SELECT ${FACT_COLUMNS} FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = ?
  QUALIFY ROW_NUMBER() OVER (PARTITION BY source, order_id, line_no ORDER BY ingested_at DESC, batch_id DESC) = 1) s
ON t.source = s.source AND t.order_id = s.order_id AND t.line_no = s.line_no
WHEN MATCHED THEN UPDATE SET order_ts = s.order_ts, order_date = s.order_date, status = s.status, customer_id = s.customer_id, product_id = s.product_id, quantity = s.quantity, unit_price = s.unit_price, discount_pct = s.discount_pct, revenue = s.revenue, discount_amount = s.discount_amount, net_revenue = s.net_revenue, unit_cost = s.unit_cost, cost = s.cost, profit = s.profit, net_profit = s.net_profit, channel = s.channel, payment_method = s.payment_method, source_file = s.source_file, batch_id = s.batch_id, ingested_at = s.ingested_at
WHEN NOT MATCHED THEN INSERT (${FACT_COLUMNS}) VALUES (${FACT_COLUMNS.split(', ')
  .map((c) => `s.${c}`)
  .join(', ')})`;

const SESSION_SETUP =
  "ALTER SESSION SET TIMEZONE = 'UTC', STATEMENT_TIMEOUT_IN_SECONDS = 240, LOCK_TIMEOUT = 240, QUERY_TAG = 'shop-pipeline'";
const AUDIT_LOOKUP = 'SELECT batch_id FROM OPS.LOAD_AUDIT WHERE batch_id = ?';
const AUDIT_INSERT =
  'INSERT INTO OPS.LOAD_AUDIT (batch_id, manifest_key, load_mode, order_lines, customers, products, rejects, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)';

/** Every statement of a loaded batch in loader mode, with its binds. */
const LOADED_BATCH: [string, unknown[]][] = [
  ['BEGIN', []],
  [AUDIT_LOOKUP, [BATCH]],
  ['DELETE FROM STAGING.CUSTOMERS_LOAD WHERE batch_id = ?', [BATCH]],
  [copy('STAGING.CUSTOMERS_LOAD', [`customers/${BATCH}-part-0.parquet`]), []],
  [MERGE_DIM_CUSTOMER, [BATCH]],
  [MERGE_DIM_ADDRESS, [BATCH]],
  ['DELETE FROM STAGING.PRODUCTS_LOAD WHERE batch_id = ?', [BATCH]],
  [copy('STAGING.PRODUCTS_LOAD', [`products/${BATCH}-part-0.parquet`]), []],
  [MERGE_DIM_PRODUCT, [BATCH]],
  ['DELETE FROM STAGING.ORDER_LINES_LOAD WHERE batch_id = ?', [BATCH]],
  [
    copy('STAGING.ORDER_LINES_LOAD', [
      `order_lines/order_date=2026-11-25/${BATCH}-part-0.parquet`,
      `order_lines/order_date=2026-11-26/${BATCH}-part-0.parquet`,
    ]),
    [],
  ],
  [MERGE_FACT, [BATCH]],
  ['DELETE FROM STAGING.ORDER_REJECTS WHERE batch_id = ?', [BATCH]],
  [copy('STAGING.ORDER_REJECTS', [`order_rejects/${BATCH}-part-0.parquet`]), []],
  [AUDIT_INSERT, [BATCH, MANIFEST, 'loader', 9, 3, 2, 1]],
  ['COMMIT', []],
];

describe('SnowflakeWarehouse (a fake session at the driver edge)', () => {
  let fake: FakeSnowflake;
  let logs: string[];
  const manifestRows = new Map(batch().files.map((f) => [f.key.slice('curated/'.length), f.rows]));

  const warehouse = (overrides: Partial<SnowflakeSettings>, secrets: SecretStore) =>
    new SnowflakeWarehouse(settings(overrides), {
      secrets,
      log: createLogger('debug', {}, (line) => logs.push(line)),
      connect: fake.connector,
    });
  const withSecret = (overrides: Partial<SnowflakeSettings> = {}) =>
    warehouse(overrides, new InMemorySecretStore({ [SECRET_ID]: JSON.stringify(CREDENTIALS) }));

  beforeEach(() => {
    fake = new FakeSnowflake();
    fake.rowsPerFile = (path) => manifestRows.get(path) ?? 0;
    logs = [];
  });

  it('sends the exact SQL for a batch in one transaction, and only the audit lookup on a second delivery', async () => {
    // Prepare
    const wh = withSecret();

    // Act
    const first = await wh.loadBatch(batch());
    const second = await wh.loadBatch(batch());

    // Assess
    expect(first).toEqual({
      status: 'loaded',
      rows: { customers: 3, products: 2, order_lines: 9, order_rejects: 1 },
    });
    expect(second).toEqual({ status: 'skipped', rows: {} });
    expect(fake.statements.map((s) => [s.sql, s.binds])).toEqual([
      [SESSION_SETUP, []],
      ...LOADED_BATCH,
      ['BEGIN', []],
      [AUDIT_LOOKUP, [BATCH]],
      ['ROLLBACK', []],
    ]);
    // Key-pair sign-in with account only (no host), once for both batches: the session is reused.
    expect(fake.connects).toHaveLength(1);
    expect(fake.connects[0]).toEqual({ ...CREDENTIALS, privateKey: PEM });
    await wh.close();
  });

  it('fails the batch and rolls back when COPY loads fewer rows than the manifest lists', async () => {
    // Prepare: one order-line file loads 4 of its 5 rows
    fake.rowsPerFile = (path) => (path.includes('2026-11-26') ? 4 : (manifestRows.get(path) ?? 0));
    const wh = withSecret();

    // Act
    const load = wh.loadBatch(batch());

    // Assess
    await expect(load).rejects.toThrow(ManifestMismatchError);
    await expect(load).rejects.toThrow(
      `COPY INTO STAGING.ORDER_LINES_LOAD loaded 8 rows of batch ${BATCH}, the manifest lists 9`,
    );
    const sql = fake.sql();
    expect(sql.at(-1)).toBe('ROLLBACK');
    expect(sql).not.toContain(MERGE_FACT);
    expect(sql.some((s) => s.startsWith('INSERT INTO OPS.LOAD_AUDIT'))).toBe(false);
    expect(fake.audited.size).toBe(0);
  });

  it('leaves the MERGE to the tasks in tasks mode and records the mode in the audit row', async () => {
    // Prepare
    const wh = withSecret({ loadMode: 'tasks' });

    // Act
    await wh.loadBatch(batch());

    // Assess
    const expected = LOADED_BATCH.filter(([sql]) => !sql.startsWith('MERGE')).map(([sql, binds]) =>
      sql === AUDIT_INSERT ? [sql, [BATCH, MANIFEST, 'tasks', 9, 3, 2, 1]] : [sql, binds],
    );
    expect(fake.statements.slice(1).map((s) => [s.sql, s.binds])).toEqual(expected);
  });

  it('refuses in tasks mode a batch carrying whole orders, whose line removals must follow the MERGE', async () => {
    // Prepare: a PostgreSQL batch lists its orders (curated/orders) for the removed-line delete
    const wh = withSecret({ loadMode: 'tasks' });
    const snapshot = batch();
    snapshot.files.push({ table: 'orders', key: `curated/orders/${BATCH}-part-0.parquet`, rows: 2 });

    // Act
    const load = wh.loadBatch(snapshot);

    // Assess: a terminal error naming the fix, and nothing sent
    await expect(load).rejects.toThrow(ConfigError);
    await expect(load).rejects.toThrow(/loader mode/);
    expect(fake.statements).toEqual([]);
  });

  it('reconnects with a freshly read secret and retries the batch once when the session token expired', async () => {
    // Prepare: a warm container whose session expired while idle
    let reads = 0;
    const secrets = {
      get: async (_id: string, options?: { fresh?: boolean }) => {
        reads += 1;
        if (reads > 1) expect(options?.fresh).toBe(true);
        return JSON.stringify(CREDENTIALS);
      },
    };
    const wh = new SnowflakeWarehouse(settings(), {
      secrets,
      log: createLogger('silent'),
      connect: fake.connector,
    });
    await wh.loadBatch({ ...batch(), batchId: 'earlier', files: [] });
    let expired = false;
    fake.reply = (sql, binds) => {
      if (!expired && sql === AUDIT_LOOKUP && binds[0] === BATCH) {
        expired = true;
        return sessionExpired();
      }
      return undefined;
    };

    // Act
    const outcome = await wh.loadBatch(batch());

    // Assess
    expect(outcome.status).toBe('loaded');
    expect(fake.connects).toHaveLength(2);
    expect(reads).toBe(2);
    expect(fake.sql(2)).toEqual([SESSION_SETUP, ...LOADED_BATCH.map(([sql]) => sql)]);
  });

  it('opens a new session when the driver says the old one is down', async () => {
    // Prepare
    const wh = withSecret();
    await wh.loadBatch({ ...batch(), batchId: 'earlier', files: [] });
    fake.drop(1);

    // Act
    await wh.loadBatch(batch());

    // Assess
    expect(fake.connects).toHaveLength(2);
    expect(fake.sql(2)[0]).toBe(SESSION_SETUP);
  });

  it('re-reads the secret after a failed sign-in, so a rotated key is picked up on the next batch', async () => {
    // Prepare
    const fresh: (boolean | undefined)[] = [];
    const secrets = {
      get: async (_id: string, options?: { fresh?: boolean }) => {
        fresh.push(options?.fresh);
        return JSON.stringify(CREDENTIALS);
      },
    };
    fake.connectErrors = [
      new WarehouseError('connecting to Snowflake account myorg-myaccount failed: JWT token is invalid'),
    ];
    const wh = new SnowflakeWarehouse(settings(), {
      secrets,
      log: createLogger('silent'),
      connect: fake.connector,
    });

    // Act
    await expect(wh.loadBatch(batch())).rejects.toThrow(WarehouseError);
    await wh.loadBatch(batch());

    // Assess
    expect(fresh).toEqual([false, true]);
  });

  it('refuses a manifest file outside its table folder before any statement is sent', async () => {
    // Prepare: a key that would close COPY's quoted file list
    const wh = withSecret();
    const bad = batch();
    bad.files[0] = {
      table: 'order_lines',
      key: "curated/order_lines/x.parquet') ; DROP TABLE t; --.parquet",
      rows: 1,
    };

    // Act
    const load = wh.loadBatch(bad);

    // Assess
    await expect(load).rejects.toThrow(ManifestMismatchError);
    expect(fake.statements).toEqual([]);
  });

  it('refuses a batch in another bucket than the stage reads', async () => {
    // Prepare
    const wh = withSecret();

    // Act
    const load = wh.loadBatch({ ...batch(), bucket: 'someone-elses-bucket' });

    // Assess
    await expect(load).rejects.toThrow(/stage reads curated/);
    expect(fake.statements).toEqual([]);
  });

  it('turns a failed statement into a transient WarehouseError after rolling back', async () => {
    // Prepare
    fake.reply = (sql) => (sql === MERGE_FACT ? new Error('Numeric value out of range') : undefined);
    const wh = withSecret();

    // Act
    const load = wh.loadBatch(batch());

    // Assess
    await expect(load).rejects.toMatchObject({ name: 'WarehouseError', kind: 'transient' });
    expect(fake.sql().at(-1)).toBe('ROLLBACK');
    expect(fake.connects).toHaveLength(1);
  });

  it('never puts the private key or a password in an error or a log line', async () => {
    // Prepare: a password secret (discouraged, warned about) and a key that is not a key
    const password = 'hunter2-Very-Secret';
    const wh1 = warehouse(
      {},
      new InMemorySecretStore({
        [SECRET_ID]: JSON.stringify({ ...CREDENTIALS, privateKey: undefined, password }),
      }),
    );
    const notAKey = '-----BEGIN PRIVATE KEY-----\nTm90QUtleVJlYWxseVNlY3JldA==\n-----END PRIVATE KEY-----';
    const wh2 = warehouse(
      {},
      new InMemorySecretStore({ [SECRET_ID]: JSON.stringify({ ...CREDENTIALS, privateKey: notAKey }) }),
    );
    fake.connectErrors = [
      new WarehouseError(
        'connecting to Snowflake account myorg-myaccount failed: Incorrect username or password',
      ),
    ];

    // Act
    const errors = await Promise.all(
      [wh1.loadBatch(batch()), wh2.loadBatch(batch())].map((p) => p.catch((e: Error) => e)),
    );

    // Assess
    const text = [...logs, ...errors.map((e) => `${(e as Error).message} ${JSON.stringify(e)}`)].join('\n');
    expect(text).toContain('password sign-in is discouraged');
    expect(text).toContain(`Snowflake secret ${SECRET_ID}: privateKey is not a readable RSA private key`);
    for (const secret of [password, 'Tm90QUtleVJlYWxseVNlY3JldA', PEM.split('\n')[1]!])
      expect(text).not.toContain(secret);
  });
});
