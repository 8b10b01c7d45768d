import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../shared/adapters/object-store';
import { InMemorySecretStore } from '../../shared/adapters/secret-store';
import { SnowflakeWarehouse } from '../../shared/adapters/snowflake-warehouse';
import { createLogger } from '../../shared/logger';
import { runLoad } from '../../shared/stages/load';
import { FakeSnowflake } from '../helpers/fake-snowflake';

const BATCH = 'dummyjson-20261126T030000Z';
const MANIFEST = `curated/_manifests/${BATCH}.json`;
const SECRET_ID = 'shop-pipeline/test/snowflake';
/** The value that must never leave the secret store. */
const SECRET = 'pw-Zq9!never-log-me-7f3c';

/** An in-memory ObjectStore that keeps every object written, to search them. */
function memoryStore(objects: Map<string, string>): ObjectStore {
  const get = async (_bucket: string, key: string) => {
    const text = objects.get(key);
    if (text === undefined) throw new Error(`no object ${key}`);
    return new TextEncoder().encode(text);
  };
  return {
    get,
    getStream: async (bucket, key) => Readable.from([await get(bucket, key)]),
    put: async (_bucket, key, body) => {
      objects.set(key, typeof body === 'string' ? body : new TextDecoder().decode(body));
    },
    putStream: async (_bucket, key, body) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk));
      objects.set(key, Buffer.concat(chunks).toString('utf8'));
      return { eTag: 'x' };
    },
    getRange: async (bucket, key, start, end) => (await get(bucket, key)).slice(start, end + 1),
    head: async (_bucket, key) => ({ size: objects.get(key)?.length ?? 0, eTag: '"x"' }),
    list: async (_bucket, prefix) =>
      [...objects.keys()].filter((k) => k.startsWith(prefix)).map((key) => ({ key, size: 0 })),
  };
}

const manifest = JSON.stringify({
  stage: 'convert',
  batch_id: BATCH,
  upstream_manifest: 'enriched/x/_manifest.json',
  files: [
    {
      table: 'order_lines',
      key: `curated/order_lines/order_date=2026-11-26/${BATCH}-part-0.parquet`,
      rows: 3,
      bytes: 100,
      sha256: 'a'.repeat(64),
      order_date: '2026-11-26',
    },
  ],
  rows: { order_lines: 3 },
});

describe('the Snowflake secret on the loader path, logging at debug level', () => {
  const scenarios: [string, (fake: FakeSnowflake) => void][] = [
    ['a batch loads', () => undefined],
    [
      'the sign-in fails with an error that quotes the secret',
      (fake) => {
        fake.connectErrors = [new Error(`Incorrect username or password was specified: ${SECRET}`)];
      },
    ],
    [
      'a statement fails',
      (fake) => {
        fake.reply = (sql) => (sql.startsWith('COPY INTO') ? new Error('Stage access denied') : undefined);
      },
    ],
  ];
  it.each(scenarios)(
    'keeps the secret out of logs, errors and written objects when %s',
    async (_name, arrange) => {
      // Prepare
      const lines: string[] = [];
      const log = createLogger('debug', {}, (line) => lines.push(line));
      const objects = new Map([[MANIFEST, manifest]]);
      const store = memoryStore(objects);
      const fake = new FakeSnowflake();
      fake.rowsPerFile = () => 3;
      arrange(fake);
      const secrets = new InMemorySecretStore({
        [SECRET_ID]: JSON.stringify({
          account: 'myorg-myaccount',
          user: 'PIPELINE_LOADER',
          role: 'PIPELINE_LOADER',
          warehouse: 'LOAD_WH',
          database: 'SHOP',
          password: SECRET,
        }),
      });
      const warehouse = new SnowflakeWarehouse(
        {
          secretId: SECRET_ID,
          loadMode: 'loader',
          stage: 'STAGING.CURATED_STAGE',
          fileFormat: 'STAGING.PARQUET_FORMAT',
          curatedBucket: 'curated',
          connectTimeoutMs: 1_000,
          statementTimeoutSeconds: 60,
        },
        { secrets, log, connect: fake.connector },
      );

      // Act
      let failure: unknown;
      try {
        await runLoad(
          { store, warehouse, log },
          { batchId: BATCH, bucket: 'curated', manifestKey: MANIFEST },
        );
      } catch (error) {
        failure = error;
      }

      // Assess: the secret reached the driver, and nowhere else
      expect(fake.connects[0]?.password).toBe(SECRET);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).not.toContain(SECRET);
      for (let e = failure as { message?: string; stack?: string; cause?: unknown } | undefined; e; ) {
        expect(`${e.message} ${e.stack} ${JSON.stringify(e)}`).not.toContain(SECRET);
        e = e.cause as typeof e;
      }
      for (const text of objects.values()) expect(text).not.toContain(SECRET);
      for (const statement of fake.statements) expect(JSON.stringify(statement)).not.toContain(SECRET);
    },
  );
});
