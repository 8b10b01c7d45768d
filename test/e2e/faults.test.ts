import { beforeAll, describe, expect, it } from 'vitest';
import { type Crash, FaultInjector, type FaultPlan } from '../../local/faults';
import type { InvokeFunction } from '../../local/poller';
import { type FaultRunResult, runWithFaults, type WarehouseTotals } from '../helpers/fault-run';

/**
 * Each fault, injected into the embedded stack, must end with the warehouse a clean run leaves:
 * the same rows and money to the cent, the same rejects by reason, one audit row per batch, and
 * nothing in a dead-letter queue.
 */
describe('the pipeline under injected faults', () => {
  let clean: WarehouseTotals;

  beforeAll(async () => {
    clean = (await runWithFaults(undefined)).totals;
  });

  const expectSameAsClean = (result: FaultRunResult) => {
    expect(result.deadLetters).toBe(0);
    expect(result.totals).toEqual(clean);
    expect(Object.values(result.totals.auditRows).every((n) => n === 1)).toBe(true);
  };

  it('has a clean run with both batches loaded, rows and rejects in it', () => {
    // Assess
    expect(Object.keys(clean.auditRows)).toEqual([
      'dummyjson-20261126T030000Z',
      'fakestore-20261126T030000Z',
    ]);
    expect(clean.orderLines).toBeGreaterThan(0);
    expect(Object.keys(clean.rejectsByReason).length).toBeGreaterThan(0);
  });

  const crashes: [string, Crash][] = [
    ['ingest crashes after its first raw page, before the manifest', { point: 'raw-data', nth: 1 }],
    ['ingest crashes before writing its manifest', { point: 'raw-manifest' }],
    ['enrich crashes after its first data file', { point: 'enriched-data', nth: 1 }],
    ['enrich crashes after its data files, before the manifest', { point: 'enriched-manifest' }],
    ['convert crashes after its first Parquet file', { point: 'curated-data', nth: 1 }],
    ['convert crashes before writing its manifest', { point: 'curated-manifest' }],
    ['convert crashes after its manifest, before the load message', { point: 'load-message' }],
    ['convert crashes after sending the load message', { point: 'after-load-message' }],
    ['the load fails mid-transaction, after its first MERGE', { point: 'mid-load' }],
    ['the loader crashes after the commit, before the message is deleted', { point: 'after-load' }],
  ];
  it.each(crashes)('ends as a clean run when %s', async (_name, crash) => {
    // Prepare
    const faults = new FaultInjector({ crashes: [crash] });

    // Act
    const result = await runWithFaults(faults);

    // Assess
    expect(result.crashed).toEqual([`${crash.point}#${crash.nth ?? 1}`]);
    expectSameAsClean(result);
  });

  // The function runs in a child process until the kill fires; the process gets SIGKILL at the point
  // (no finally, no rollback, no response), the SQS mapping sees a failed invocation and redelivers.
  const kills: [string, Crash][] = [
    ['the ingest process is killed after its first raw page', { point: 'raw-data', nth: 1, kill: true }],
    ['the enrich process is killed before its manifest', { point: 'enriched-manifest', kill: true }],
    [
      'the convert process is killed after its first Parquet file',
      { point: 'curated-data', nth: 1, kill: true },
    ],
    [
      'the convert process is killed after its manifest, before the load message',
      { point: 'load-message', kill: true },
    ],
    ['the load process is killed inside its open transaction', { point: 'mid-load', kill: true }],
    ['the load process is killed after the commit', { point: 'after-load', kill: true }],
  ];
  it.each(kills)('ends as a clean run when %s', async (_name, crash) => {
    // Prepare
    const faults = new FaultInjector({ crashes: [crash] });

    // Act
    const result = await runWithFaults(faults);

    // Assess
    expect(faults.killed).toEqual([`${crash.point}#${crash.nth ?? 1}`]);
    expectSameAsClean(result);
  });

  it('redelivers the batch of a killed process only once its visibility timeout has run out', async () => {
    // Prepare: convert invocations, with when they started and their first record's receive count
    const visibilityTimeoutSeconds = 8;
    const invocations: { receiveCount: string; at: number }[] = [];
    class TimedInjector extends FaultInjector {
      override invoke(inner: InvokeFunction): InvokeFunction {
        return super.invoke((name, event) => {
          const receiveCount = event.Records[0]?.attributes.ApproximateReceiveCount ?? '';
          if (name === 'convert') invocations.push({ receiveCount, at: Date.now() });
          return inner(name, event);
        });
      }
    }
    const faults = new TimedInjector({ crashes: [{ point: 'curated-manifest', kill: true }] });

    // Act
    const result = await runWithFaults(faults, { visibilityTimeoutSeconds });

    // Assess
    expect(faults.killed).toEqual(['curated-manifest#1']);
    expectSameAsClean(result);
    const first = invocations.find((i) => i.receiveCount === '1');
    const again = invocations.find((i) => i.receiveCount === '2');
    expect(again!.at - first!.at).toBeGreaterThanOrEqual(visibilityTimeoutSeconds * 1000 - 100);
  });

  const deliveries: [string, FaultPlan, { replayS3Events?: boolean }][] = [
    ['every S3 event is delivered twice', { duplicateS3Events: true }, {}],
    ['every SQS batch is delivered twice', { duplicateInvocations: true }, {}],
    // Two converts of one batch rewrite the same curated keys with the same bytes; the embedded S3
    // replaces objects atomically, as S3 does, so each convert's read-back sees a whole file.
    ['every message comes again while its first delivery still runs', { concurrentRedelivery: true }, {}],
    ['every S3 event comes again late, newest first', { reverseBatches: true }, { replayS3Events: true }],
  ];
  it.each(deliveries)('ends as a clean run when %s', async (_name, plan, options) => {
    // Act
    const result = await runWithFaults(new FaultInjector(plan), options);

    // Assess
    if (options.replayS3Events) expect(result.replayed).toBeGreaterThan(0);
    expectSameAsClean(result);
  });

  const apiFaults: [string, FaultPlan['api']][] = [
    ['the API throttles with 429s', { failFirst: { status: 429, count: 3 } }],
    ['the API answers 500s', { failFirst: { status: 500, count: 2 } }],
    [
      'the API truncates bodies and stalls past the timeout',
      { sequence: ['ok', 'truncate', { stallMs: 1500 }, 'ok', 'truncate'] },
    ],
  ];
  it.each(apiFaults)('ends as a clean run when %s', async (_name, api) => {
    // Act
    const result = await runWithFaults(new FaultInjector({ api }));

    // Assess
    expectSameAsClean(result);
  });
});
