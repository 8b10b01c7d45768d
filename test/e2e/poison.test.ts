import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop } from '../../local/generator';
import { redriveMessages } from '../../local/redrive';
import { sqsClientConfig } from '../../local/sqs-server';
import { LOCAL_BUCKETS, type Stack, startStack } from '../../local/stack';
import { createEnrichHandler } from '../../services/enrich/handler';
import { getText } from '../../shared/adapters/object-store';
import { manifestKeyIn, rawRunPrefix } from '../../shared/domain/layout';
import type { RawManifest } from '../../shared/domain/manifest';
import { createLogger } from '../../shared/logger';
import { warehouseTotals } from '../helpers/fault-run';

const BUCKET = LOCAL_BUCKETS.RawBucket;
const GOOD_RUN = '20261126T030000Z';
const POISON_RUN = '20261126T040000Z';

/** An SQS record carrying the S3 event of one raw manifest, as the enrich queue delivers it. */
const notification = (messageId: string, key: string): SQSRecord =>
  ({
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-11-26T04:00:00.000Z',
          s3: { bucket: { name: BUCKET }, object: { key, size: 1 } },
        },
      ],
    }),
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
    eventSource: 'aws:sqs',
  }) as unknown as SQSRecord;

describe('a poison message', () => {
  let dir: string;
  let stack: Stack;
  let sqs: SQSClient;
  let poisonKey: string;
  let goodKey: string;
  let brokenPage: { key: string; body: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poison-'));
    stack = await startStack({
      dataDir: dir,
      log: createLogger('silent'),
      shop: generateShop({ seed: 5, users: 8, products: 6, carts: 14 }),
    });
    sqs = new SQSClient(sqsClientConfig(stack.endpoints.sqs));
    await stack.ingest('dummyjson', new Date('2026-11-26T03:00:00Z'));
    await stack.settle();
    // A second run whose first order page does not match the checksum its manifest lists.
    goodKey = manifestKeyIn(rawRunPrefix('dummyjson', '2026-11-26', GOOD_RUN));
    const good = JSON.parse(await getText(stack.runtime.store, BUCKET, goodKey)) as RawManifest;
    const prefix = rawRunPrefix('dummyjson', '2026-11-26', POISON_RUN);
    const files: RawManifest['files'] = [];
    for (const file of good.files) {
      const key = file.key.replace(`run_id=${GOOD_RUN}`, `run_id=${POISON_RUN}`);
      const body = await getText(stack.runtime.store, BUCKET, file.key);
      const broken = file.entity === 'orders' && !files.some((f) => f.entity === 'orders');
      if (broken) brokenPage = { key, body };
      await stack.runtime.store.put(BUCKET, key, broken ? '{"carts":[]}' : body, 'application/json');
      files.push({ ...file, key });
    }
    poisonKey = manifestKeyIn(prefix);
    const manifest: RawManifest = { ...good, run_id: POISON_RUN, files };
    await stack.runtime.store.put(BUCKET, poisonKey, JSON.stringify(manifest), 'application/json');
    await stack.settle();
  });

  afterAll(async () => {
    sqs?.destroy();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails alone in its batch: the other records of the batch succeed', async () => {
    // Prepare
    const handler = createEnrichHandler(() => stack.runtime);

    // Act
    const response = await handler(
      { Records: [notification('good', goodKey), notification('poison', poisonKey)] },
      { functionName: 'enrich', awsRequestId: 'test' } as Context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
  });

  it('lands in the dead-letter queue after its retries, and nothing of it reaches the warehouse', async () => {
    // Act
    const dead = await stack.deadLetters();

    // Assess
    expect(dead).toHaveLength(1);
    expect(dead[0]?.queue).toBe('EnrichDLQ');
    expect(dead[0]?.bodies).toHaveLength(1);
    expect(dead[0]?.bodies[0]).toContain(`run_id%3D${POISON_RUN}/_manifest.json`);
    const totals = await warehouseTotals(await stack.runtime.warehouse());
    expect(Object.keys(totals.auditRows)).toEqual([`dummyjson-${GOOD_RUN}`]);
  });

  it('loads once after a fix and a redrive, and a second redrive changes nothing', async () => {
    // Prepare: the fix puts the page its manifest lists
    await stack.runtime.store.put(BUCKET, brokenPage.key, brokenPage.body, 'application/json');
    const before = await warehouseTotals(await stack.runtime.warehouse());
    const queues = {
      from: stack.queues.get('EnrichDLQ')!.url,
      to: stack.queues.get('EnrichQueue')!.url,
      fifo: false,
    };

    // Act
    const moved = await redriveMessages(sqs, queues);
    await stack.settle();
    const after = await warehouseTotals(await stack.runtime.warehouse());
    const movedAgain = await redriveMessages(sqs, queues);
    await stack.settle();
    const afterAgain = await warehouseTotals(await stack.runtime.warehouse());

    // Assess: the redriven batch is audited once; its rows share natural keys with the first run's
    expect(moved).toBe(1);
    expect(await stack.deadLetters()).toEqual([]);
    expect(after.auditRows).toEqual({ [`dummyjson-${GOOD_RUN}`]: 1, [`dummyjson-${POISON_RUN}`]: 1 });
    // A second batch: its rejects are its own rows of STAGING.ORDER_REJECTS; the analytics tables merge
    const rejects = (t: typeof before) => Object.values(t.rejectsByReason).reduce((a, b) => a + b, 0);
    expect(rejects(after)).toBe(2 * rejects(before));
    expect({ ...after, auditRows: {}, rejectsByReason: {} }).toEqual({
      ...before,
      auditRows: {},
      rejectsByReason: {},
    });
    expect(movedAgain).toBe(0);
    expect(afterAgain).toEqual(after);
    expect(stack.errors.filter((e) => !/enrich failed|record failed/.test(e.message))).toEqual([]);
  });
});
