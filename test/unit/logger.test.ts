import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../shared/errors';
import { createLogger, type LogLevel } from '../../shared/logger';
import { createPowertoolsLogger, LOG_RECORD_ORDER } from '../../shared/observability';

/** A Lambda context as the runtime passes it (only what the loggers read). */
const lambdaContext = {
  functionName: 'shop-pipeline-dev-enrich',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:shop-pipeline-dev-enrich',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
};

/** Both backends of the Logger interface, each writing parsed lines into an array. */
const backends: [
  string,
  (level: LogLevel) => { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] },
][] = [
  [
    'the local JSON-lines logger',
    (level) => {
      const lines: Record<string, unknown>[] = [];
      return { log: createLogger(level, {}, (line) => lines.push(JSON.parse(line))), lines };
    },
  ],
  [
    'the Powertools logger',
    (level) => {
      // As in Lambda: Powertools reports cold starts only for on-demand initialisation.
      vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
      const lines: Record<string, unknown>[] = [];
      return {
        log: createPowertoolsLogger({
          level,
          serviceName: 'shop-pipeline',
          sink: (line) => lines.push(JSON.parse(line)),
        }),
        lines,
      };
    },
  ],
];

describe.each(backends)('%s', (_name, make) => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('writes the fields a child binds on every line, with the call fields after them', () => {
    // Prepare
    const { log, lines } = make('info');
    const batchLog = log
      .child({ stage: 'enrich' })
      .child({ batchId: 'dummyjson-20261126T030000Z', source: 'dummyjson', key: 'raw/x/_manifest.json' });

    // Act
    batchLog.info('batch enriched', { rows_in: 372 });
    batchLog.warn('slow batch');

    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({
        stage: 'enrich',
        batchId: 'dummyjson-20261126T030000Z',
        source: 'dummyjson',
        key: 'raw/x/_manifest.json',
      });
    }
    expect(lines[0]).toMatchObject({ message: 'batch enriched', rows_in: 372 });
    expect(String(lines[0]?.level).toLowerCase()).toBe('info');
  });

  it('drops lines below its level and writes nothing when silent', () => {
    // Prepare
    const warn = make('warn');
    const silent = make('silent');

    // Act
    for (const { log } of [warn, silent]) {
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
    }

    // Assess
    expect(warn.lines.map((l) => l.message)).toEqual(['w', 'e']);
    expect(silent.lines).toEqual([]);
  });

  it('carries the Lambda request id on the lines of children made before and after the invocation is bound', () => {
    // Prepare
    const { log, lines } = make('info');
    const early = log.child({ stage: 'enrich' });

    // Act
    log.setInvocation?.(lambdaContext);
    early.info('from a child made before');
    log.child({ stage: 'enrich' }).info('from a child made after');

    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({
        function_name: lambdaContext.functionName,
        function_request_id: lambdaContext.awsRequestId,
        cold_start: true,
      });
    }
  });

  it('marks only the first invocation of a container as a cold start', () => {
    // Prepare
    const { log, lines } = make('info');

    // Act
    log.setInvocation?.(lambdaContext);
    log.info('first');
    log.setInvocation?.({ ...lambdaContext, awsRequestId: 'second-request' });
    log.info('second');

    // Assess
    expect(lines.map((l) => [l.cold_start, l.function_request_id])).toEqual([
      [true, lambdaContext.awsRequestId],
      [false, 'second-request'],
    ]);
  });

  it('writes an error with its name, message and stable code', () => {
    // Prepare
    const { log, lines } = make('info');

    // Act
    log.error('record failed', { error: new InvalidEventError('bad body'), errorCode: 'EVENT_INVALID' });

    // Assess
    expect(lines[0]?.error).toMatchObject({
      name: 'InvalidEventError',
      message: 'bad body',
      code: 'EVENT_INVALID',
    });
  });
});

describe('createPowertoolsLogger', () => {
  it('writes Powertools JSON: level, message, timestamp and service first, then stage, batchId, source, key', () => {
    // Prepare
    const lines: string[] = [];
    const log = createPowertoolsLogger({
      level: 'info',
      serviceName: 'shop-pipeline',
      sink: (l) => lines.push(l),
    });

    // Act
    log
      .child({ key: 'curated/_manifests/b.json', source: 'dummyjson', batchId: 'b', stage: 'load' })
      .info('batch loaded', { latencyMs: 12 });

    // Assess
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line).slice(0, LOG_RECORD_ORDER.length)).toEqual([...LOG_RECORD_ORDER]);
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'batch loaded',
      service: 'shop-pipeline',
      stage: 'load',
      batchId: 'b',
      latencyMs: 12,
    });
    expect(Date.parse(String(line.timestamp))).not.toBeNaN();
  });

  it('keeps the stack and the error kind on AWS, where a developer reads them', () => {
    // Prepare
    const lines: Record<string, unknown>[] = [];
    const log = createPowertoolsLogger({ level: 'info', sink: (l) => lines.push(JSON.parse(l)) });

    // Act
    log.error('invocation failed', { error: new InvalidEventError('not an ingest event') });

    // Assess
    expect(lines[0]?.error).toMatchObject({ kind: 'terminal', code: 'EVENT_INVALID' });
    expect(String((lines[0]!.error as { stack?: string }).stack)).toContain('InvalidEventError');
  });
});
