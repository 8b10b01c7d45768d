import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTotals, generateShop } from '../../local/generator';
import { type Stack, startStack } from '../../local/stack';
import { summarise } from '../../local/summary';
import { formatCents } from '../../shared/domain/money';
import { createLogger } from '../../shared/logger';

const root = resolve(import.meta.dirname, '../..');

/**
 * `sls invoke local` runs the esbuild bundle of a function (not the sources), so this smoke-tests
 * the built artifact: the ingest bundle writes into the embedded stack's s3rver, whose wiring then
 * carries the run through enrich, convert and load.
 */
describe('sls invoke local against the embedded stack', () => {
  const shop = generateShop({ seed: 3, carts: 30 });
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'invoke-local-'));
    stack = await startStack({ dataDir: dir, log: createLogger('silent'), shop });
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the bundled ingest function from events/ingest-schedule.json and the run reaches the warehouse', async () => {
    // Prepare
    const loadQueue = stack.queues.get('LoadQueue');
    // Act
    const { stdout } = await promisify(execFile)(
      'npx',
      ['sls', 'invoke', 'local', '--stage', 'local', '-f', 'ingest', '--path', 'events/ingest-schedule.json'],
      {
        cwd: root,
        timeout: 120_000,
        env: {
          ...process.env,
          S3_ENDPOINT: stack.endpoints.s3,
          SQS_ENDPOINT: stack.endpoints.sqs,
          DUMMYJSON_BASE_URL: stack.endpoints.api,
          LOAD_QUEUE_URL: loadQueue?.url ?? '',
          DUCKDB_PATH: join(dir, 'invoke.duckdb'),
          LOG_LEVEL: 'warn',
          SLS_ESBUILD_WORK_FOLDER: '.esbuild-invoke-test',
          SLS_TELEMETRY_DISABLED: '1',
        },
      },
    );
    await stack.settle();

    // Assess: the function's own answer, then what the stack made of its output
    expect(stdout).toContain('"runId": "20261126T030000Z"');
    const warehouse = await stack.runtime.warehouse();
    const summary = await summarise(warehouse, ['dummyjson-20261126T030000Z']);
    const expected = expectedTotals(shop);
    expect(summary.orderLines).toBe(expected.validLines);
    expect(summary.revenue.toFixed(2)).toBe(formatCents(expected.revenueCents));
    expect(await stack.deadLetters()).toEqual([]);
  });
});
