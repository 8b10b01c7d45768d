import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoadHandler } from '../../services/load/handler';
import type { Runtime } from '../../shared/compose';
import { ConfigError, InvalidEventError } from '../../shared/errors';
import {
  createEmfMetrics,
  createMemoryMetrics,
  createPowertoolsLogger,
  type Metrics,
  observe,
} from '../../shared/observability';

const context = {
  functionName: 'shop-pipeline-dev-load',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:shop-pipeline-dev-load',
  memoryLimitInMB: '512',
  awsRequestId: '9f1c2d3e-0000-4000-8000-000000000001',
} as Context;

/** What the middlewares see of a runtime: a Powertools logger writing into `lines`, and metrics. */
function observed(metrics: Metrics = createMemoryMetrics()) {
  const lines: Record<string, unknown>[] = [];
  const log = createPowertoolsLogger({ level: 'info', sink: (line) => lines.push(JSON.parse(line)) });
  return { runtime: { log, metrics }, lines, metrics };
}

describe('observe (the middlewares every pipeline function uses)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('binds the Lambda request id and function name to every log line of the invocation', async () => {
    // Prepare
    const { runtime, lines } = observed();
    const handler = middy(async () => {
      runtime.log.child({ stage: 'enrich', batchId: 'b-1' }).info('batch enriched');
    }).use(observe('enrich', () => runtime));

    // Act
    await handler({}, context);

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'batch enriched',
        stage: 'enrich',
        batchId: 'b-1',
        function_name: context.functionName,
        function_request_id: context.awsRequestId,
      }),
    ]);
  });

  it('publishes the metrics once when the invocation succeeds', async () => {
    // Prepare
    const metrics = createMemoryMetrics();
    const { runtime } = observed(metrics);
    const handler = middy(async () => 'done').use(observe('convert', () => runtime));

    // Act
    const result = await handler({}, context);

    // Assess
    expect(result).toBe('done');
    expect(metrics.flushes).toBe(1);
  });

  it('logs a failed invocation with its stage, code and kind, publishes the metrics, and still fails it', async () => {
    // Prepare
    const metrics = createMemoryMetrics();
    const { runtime, lines } = observed(metrics);
    const error = new InvalidEventError('not an ingest event');
    const handler = middy(async () => {
      throw error;
    }).use(observe('ingest', () => runtime));

    // Act
    const outcome = handler({}, context);

    // Assess
    await expect(outcome).rejects.toBe(error);
    expect(metrics.flushes).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'invocation failed',
        stage: 'ingest',
        errorCode: 'EVENT_INVALID',
        errorKind: 'terminal',
        function_request_id: context.awsRequestId,
        error: expect.objectContaining({ name: 'InvalidEventError', message: 'not an ingest event' }),
      }),
    ]);
  });

  it('lets a runtime that cannot be built fail the invocation with its own error, logged on stderr', async () => {
    // Prepare
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    const error = new ConfigError('invalid configuration: RAW_BUCKET: Required');
    const handler = middy(async () => 'unreachable').use(
      observe('load', () => {
        throw error;
      }),
    );

    // Act
    const outcome = handler({}, context);

    // Assess
    await expect(outcome).rejects.toBe(error);
    const logged = stderr.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({ stage: 'load', errorCode: 'CONFIG_INVALID', errorKind: 'terminal' }),
    ]);
  });

  it('writes a batch the handler recorded as EMF on stdout when the invocation ends, not before', async () => {
    // Prepare
    const stdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    const { runtime } = observed(createEmfMetrics({ serviceName: 'shop-pipeline' }));
    let duringInvocation = -1;
    const handler = middy(async () => {
      runtime.metrics.record({
        stage: 'load',
        batchId: 'dummyjson-20261126T030000Z',
        startedAt: 0,
        endedAt: 40,
        values: { rowsIn: 3, loadLatency: 40 },
      });
      duringInvocation = stdout.length;
    }).use(observe('load', () => runtime));

    // Act
    await handler({}, context);

    // Assess
    expect(duringInvocation).toBe(0);
    const emf = stdout.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
    expect(emf).toEqual([
      expect.objectContaining({
        stage: 'load',
        batchId: 'dummyjson-20261126T030000Z',
        LoadLatency: 40,
        RowsIn: 3,
      }),
    ]);
  });

  it('is what the load handler uses: an event that is not SQS fails with the stage and request id logged', async () => {
    // Prepare
    const metrics = createMemoryMetrics();
    const { runtime, lines } = observed(metrics);
    const config = { warehouse: { kind: 'duckdb', path: ':memory:' } };
    const handler = createLoadHandler(() => ({ ...runtime, config }) as unknown as Runtime);

    // Act
    const outcome = handler({ 'detail-type': 'Scheduled Event' } as never, context);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(InvalidEventError);
    expect(metrics.flushes).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'invocation failed',
        stage: 'load',
        errorCode: 'EVENT_INVALID',
        function_name: context.functionName,
        function_request_id: context.awsRequestId,
      }),
    ]);
  });
});
