/**
 * The load function as Lambda runs it: esbuild bundles services/load/handler.ts with serverless.yml's
 * own esbuild options and the load function's own environment, into a folder outside the project (no
 * node_modules anywhere above it), and a fresh Node process requires the bundle and invokes it with
 * WAREHOUSE=snowflake. That process really loads the bundled snowflake-sdk, reads the key-pair secret
 * from a file, signs in to an account it cannot reach and gives up at the connect timeout: the batch
 * fails (to be retried by SQS) and no secret reaches the output.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, s3ClientConfig, startS3Server } from '../../local/s3-server';
import { parseServerlessYaml } from '../../local/topology';
import { S3ObjectStore } from '../../shared/adapters/object-store';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

type Obj = Record<string, unknown>;
const BATCH = 'dummyjson-20261126T030000Z';
const MANIFEST = `curated/_manifests/${BATCH}.json`;

describe('the bundled load function with WAREHOUSE=snowflake', () => {
  let dir: string;
  let s3: S3Server;
  let bundle: string;
  let metafile: Metafile;
  let env: Record<string, string>;
  let pem: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'load-bundle-'));
    const yml = parseServerlessYaml(await readFile(join(root, 'serverless.yml'), 'utf8')) as Obj;
    const esbuild = (yml.custom as Obj).esbuild as Obj;
    const load = (yml.functions as Obj).load as Obj;
    bundle = join(dir, 'artifact', 'services', 'load', 'handler.cjs');
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['services/load/handler.ts'],
      outfile: bundle,
      bundle: true,
      metafile: true,
      logLevel: 'silent',
      minify: esbuild.minify as boolean,
      keepNames: esbuild.keepNames as boolean,
      target: esbuild.target as string,
      platform: 'node',
      format: esbuild.format as 'cjs',
      // serverless-esbuild treats `exclude` as external too
      external: [...(esbuild.external as string[]), ...(esbuild.exclude as string[])],
    });
    metafile = result.metafile;
    env = Object.fromEntries(
      Object.entries(load.environment as Obj).map(([k, v]) => [k, String(v)]),
    ) as Record<string, string>;

    s3 = await startS3Server({ directory: join(dir, 's3'), buckets: ['curated'] });
    const store = new S3ObjectStore(new S3Client(s3ClientConfig(s3.endpoint)));
    await store.put(
      'curated',
      MANIFEST,
      JSON.stringify({
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
          },
        ],
        rows: { order_lines: 3 },
      }),
      'application/json',
    );
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(
      join(dir, 'snowflake.json'),
      JSON.stringify({
        account: 'myorg-unreachable',
        user: 'PIPELINE_LOADER',
        role: 'PIPELINE_LOADER',
        warehouse: 'LOAD_WH',
        database: 'SHOP',
        privateKey: pem,
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('bundles snowflake-sdk into the handler, with nothing native and nothing of DuckDB', async () => {
    // Act
    const inputs = Object.keys(metafile.inputs);
    const size = (await stat(bundle)).size;
    const gzipped = gzipSync(await readFile(bundle)).length;

    // Assess
    expect(inputs.some((i) => i.includes('node_modules/snowflake-sdk/dist/lib/snowflake.js'))).toBe(true);
    expect(inputs.filter((i) => i.endsWith('.node') || i.includes('@duckdb'))).toEqual([]);
    expect(Object.keys(metafile.outputs)).toHaveLength(1);
    // Recorded for the README: the bundle is a few MB, most of it the driver's dependencies.
    expect(size).toBeLessThan(12 * 1024 * 1024);
    console.info(
      `load bundle: ${(size / 1024 / 1024).toFixed(2)} MB, ${(gzipped / 1024 / 1024).toFixed(2)} MB gzipped`,
    );
  });

  it('fails the batch at the connect timeout (to be retried), importing fast and logging no secret', async () => {
    // Prepare
    const event = {
      Records: [
        {
          messageId: 'm-1',
          receiptHandle: 'r',
          body: JSON.stringify({ batchId: BATCH, bucket: 'curated', manifestKey: MANIFEST }),
          attributes: { ApproximateReceiveCount: '1', MessageGroupId: 'warehouse' },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:LoadQueue.fifo',
          awsRegion: 'eu-west-1',
        },
      ],
    };
    const script = `
      const t0 = performance.now();
      const { handler } = require(process.argv[1]);
      const importMs = performance.now() - t0;
      const t1 = performance.now();
      handler(JSON.parse(process.argv[2]), { functionName: 'load', awsRequestId: 'req-1' }).then(
        (result) => {
          process.stdout.write('\\nRESULT ' + JSON.stringify({ importMs, invokeMs: performance.now() - t1, result }) + '\\n');
          // The driver may keep a login retry timer; Lambda returns on the promise, so does this test.
          process.exit(0);
        },
        (error) => { console.error(error); process.exit(1); },
      );`;

    // Act
    const { stdout, stderr } = await run(process.execPath, ['-e', script, bundle, JSON.stringify(event)], {
      cwd: dir,
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        HOME: dir,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        RAW_BUCKET: 'raw',
        CURATED_BUCKET: 'curated',
        S3_ENDPOINT: s3.endpoint,
        WAREHOUSE: 'snowflake',
        SNOWFLAKE_SECRET_ID: `file:${join(dir, 'snowflake.json')}`,
        SNOWFLAKE_CONNECT_TIMEOUT_MS: '1500',
        LOG_LEVEL: 'info',
      },
    });

    // Assess
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, `${stdout}\n${stderr}`).toBeDefined();
    const { importMs, invokeMs, result } = JSON.parse(line!.slice('RESULT '.length)) as {
      importMs: number;
      invokeMs: number;
      result: unknown;
    };
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    const output = `${stdout}\n${stderr}`;
    expect(output).toMatch(
      /connecting to Snowflake account myorg-unreachable (timed out after 1500 ms|failed)/,
    );
    for (const secretLine of pem.split('\n').slice(1, -2)) expect(output).not.toContain(secretLine);
    expect(importMs).toBeLessThan(3_000);
    console.info(
      `load bundle: require ${importMs.toFixed(0)} ms, first invocation ${invokeMs.toFixed(0)} ms`,
    );
  });
});
