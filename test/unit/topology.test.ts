import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseServerlessYaml, readTopology } from '../../local/topology';
import type { Topology } from '../../local/topology-types';
import { MANIFEST_FILE, PREFIX } from '../../shared/constants';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'topology-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

function readEvent(name: string): unknown {
  return JSON.parse(readFileSync(join(root, 'events', name), 'utf8'));
}

/** Writes an inline serverless.yml to a scratch file and reads its topology. */
function topologyOf(yml: string, name: string): Topology {
  const path = join(scratch, `${name}.yml`);
  writeFileSync(path, yml);
  return readTopology(path);
}

describe('readTopology(serverless.yml)', () => {
  const topology = readTopology();
  const config = parseServerlessYaml(readFileSync(join(root, 'serverless.yml'), 'utf8'));
  const queue = (id: string) => topology.queues.find((q) => q.logicalId === id);
  const source = (fn: string) => topology.eventSources.find((m) => m.functionName === fn);

  it('wires ingest <- IngestFilesQueue <- every file dropped in landing/', () => {
    // Assess
    expect(topology.notifications).toContainEqual({
      bucketLogicalId: 'RawBucket',
      queueLogicalId: 'IngestFilesQueue',
      event: 's3:ObjectCreated:*',
      prefix: PREFIX.landing,
    });
    expect(source('ingest')).toMatchObject({
      queueLogicalId: 'IngestFilesQueue',
      batchSize: 1,
      reportBatchItemFailures: true,
    });
  });

  it('wires enrich <- EnrichQueue <- raw/ *_manifest.json', () => {
    // Assess
    expect(topology.notifications).toContainEqual({
      bucketLogicalId: 'RawBucket',
      queueLogicalId: 'EnrichQueue',
      event: 's3:ObjectCreated:*',
      prefix: PREFIX.raw,
      suffix: MANIFEST_FILE,
    });
    expect(source('enrich')).toMatchObject({
      queueLogicalId: 'EnrichQueue',
      batchSize: 5,
      maximumBatchingWindowSeconds: 5,
      maximumConcurrency: 5,
    });
  });

  it('wires convert <- ConvertQueue <- enriched/ *_manifest.json', () => {
    // Assess
    expect(topology.notifications).toContainEqual({
      bucketLogicalId: 'RawBucket',
      queueLogicalId: 'ConvertQueue',
      event: 's3:ObjectCreated:*',
      prefix: PREFIX.enriched,
      suffix: MANIFEST_FILE,
    });
    expect(source('convert')).toMatchObject({ queueLogicalId: 'ConvertQueue', batchSize: 5 });
    expect(topology.notifications).toHaveLength(3);
  });

  it('feeds load from the FIFO LoadQueue, one message at a time, with explicit deduplication ids', () => {
    expect(queue('LoadQueue')).toMatchObject({
      name: 'LoadQueue.fifo',
      fifo: true,
      contentBasedDeduplication: false,
    });
    expect(queue('LoadDLQ')).toMatchObject({ name: 'LoadDLQ.fifo', fifo: true });
    expect(source('load')).toMatchObject({ queueLogicalId: 'LoadQueue', batchSize: 1 });
  });

  it('gives every queue except the DLQs a DLQ with maxReceiveCount 3', () => {
    const dlqs = new Set(topology.queues.flatMap((q) => (q.deadLetter ? [q.deadLetter.queueLogicalId] : [])));
    expect([...dlqs].sort()).toEqual(['ConvertDLQ', 'EnrichDLQ', 'IngestFilesDLQ', 'LoadDLQ']);
    for (const q of topology.queues) {
      if (dlqs.has(q.logicalId)) {
        expect(q.deadLetter, `${q.logicalId} is a DLQ`).toBeUndefined();
        continue;
      }
      expect(q.deadLetter, q.logicalId).toBeDefined();
      expect(q.deadLetter?.maxReceiveCount, q.logicalId).toBe(3);
      expect(queue(q.deadLetter?.queueLogicalId ?? '')?.fifo, `${q.logicalId}'s DLQ FIFO-ness`).toBe(q.fifo);
    }
  });

  it('has every SQS event source report batch item failures', () => {
    expect(topology.eventSources.map((m) => m.functionName).sort()).toEqual([
      'convert',
      'enrich',
      'ingest',
      'load',
    ]);
    for (const m of topology.eventSources) expect(m.reportBatchItemFailures, m.functionName).toBe(true);
  });

  it('keeps each source queue visible longer than its function can run (timeout + batching window)', () => {
    for (const m of topology.eventSources) {
      const timeout = Number(
        field(config, 'functions', m.functionName, 'timeout') ?? field(config, 'provider', 'timeout') ?? 6,
      );
      const visibility = queue(m.queueLogicalId)?.visibilityTimeoutSeconds ?? 0;
      expect(visibility, `${m.queueLogicalId} vs ${m.functionName}`).toBeGreaterThanOrEqual(
        timeout + m.maximumBatchingWindowSeconds,
      );
      // AWS recommends 6 x the function timeout for SQS event sources.
      expect(visibility, m.queueLogicalId).toBeGreaterThanOrEqual(Math.min(6 * timeout, 43_200));
    }
  });

  it.each([
    ['dummyjson', 'ingest-schedule.json'],
    ['fakestore', 'ingest-schedule-fakestore.json'],
  ])('schedules ingest of %s with an input transformer that yields events/%s', (name, file) => {
    // Prepare
    const scheduled = readEvent('scheduled-event.json');
    expect(field(scheduled, 'detail-type')).toBe('Scheduled Event');
    const rendered = topology.schedules.map((schedule) => {
      expect(schedule.functionName).toBe('ingest');
      expect(schedule.expression).toMatch(/^rate\(\d+ (minutes?|hours?|days?)\)$/);
      expect(field(schedule.input, 'inputPathsMap')).toEqual({ time: '$.time' });
      // EventBridge inserts a string path value as a JSON string where the placeholder is unquoted.
      const template = String(field(schedule.input, 'inputTemplate'));
      return JSON.parse(template.replace('<time>', JSON.stringify(field(scheduled, 'time')))) as unknown;
    });

    // Assess: one schedule per source, whose input names it
    expect(rendered).toHaveLength(2);
    expect(rendered.filter((input) => field(input, 'source') === name)).toEqual([readEvent(file)]);
  });

  it('matches the sample S3 events to the rules and queues they exercise (keys arrive URL-encoded)', () => {
    const cases = [
      ['landing-sqs.json', 'IngestFilesQueue'],
      ['enrich-sqs.json', 'EnrichQueue'],
      ['convert-sqs.json', 'ConvertQueue'],
    ] as const;
    for (const [file, queueId] of cases) {
      const records = field(readEvent(file), 'Records');
      expect(Array.isArray(records)).toBe(true);
      const record: unknown = Array.isArray(records) ? records[0] : undefined;
      expect(String(field(record, 'eventSourceARN')).split(':').pop()).toBe(queue(queueId)?.name);
      const s3 = field(JSON.parse(String(field(record, 'body'))), 'Records');
      const object = field(Array.isArray(s3) ? s3[0] : undefined, 's3', 'object');
      const key = decodeURIComponent(String(field(object, 'key')).replace(/\+/g, ' '));
      const rule = topology.notifications.find((n) => n.queueLogicalId === queueId);
      expect(key.startsWith(rule?.prefix ?? '\0'), key).toBe(true);
      expect(key.endsWith(rule?.suffix ?? ''), key).toBe(true);
    }
    const load = field(readEvent('load-sqs.json'), 'Records');
    const loadRecord: unknown = Array.isArray(load) ? load[0] : undefined;
    expect(String(field(loadRecord, 'eventSourceARN')).split(':').pop()).toBe(queue('LoadQueue')?.name);
    expect(field(loadRecord, 'attributes', 'MessageGroupId')).toBe('warehouse');
    expect(field(loadRecord, 'attributes', 'MessageDeduplicationId')).toBe(
      field(JSON.parse(String(field(loadRecord, 'body'))), 'batchId'),
    );
  });

  it('repeats the S3 zones of shared/constants.ts in custom.prefix, which the filters and roles use', () => {
    // Assess
    expect(field(config, 'custom', 'prefix')).toEqual({ ...PREFIX, dims: `${PREFIX.enriched}_dims/` });
    expect(field(config, 'custom', 'manifestFile')).toBe(MANIFEST_FILE);
  });

  it('omits disabled schedules for a stage that disables them', () => {
    expect(readTopology(undefined, { stage: 'local' }).schedules).toEqual([]);
  });
});

describe('parseServerlessYaml', () => {
  it('turns CloudFormation short forms into long forms', () => {
    const sub = (text: string) => text.replaceAll('#{', '${');
    const parsed = parseServerlessYaml(`
a: !Ref Thing
b: !GetAtt Queue.Arn
c: !GetAtt [Queue, QueueName]
d: !Sub 'arn:\${AWS::Partition}:s3:::\${Name}'
e: !Sub ['x-\${V}', { V: !Ref AWS::Region }]
f: !Join ['', ['a', !Ref B]]
g: !If [IsProd, !Equals [a, b], !Not [!Condition C]]
h: !Select [0, !Split [',', 'a,b']]
i: !FindInMap [M, K, V]
j: !ImportValue exported
k: !And [!Or [x, y], z]
l: !Base64 text
m: !GetAZs ''
`);
    expect(parsed).toEqual({
      a: { Ref: 'Thing' },
      b: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      c: { 'Fn::GetAtt': ['Queue', 'QueueName'] },
      d: { 'Fn::Sub': sub('arn:#{AWS::Partition}:s3:::#{Name}') },
      e: { 'Fn::Sub': [sub('x-#{V}'), { V: { Ref: 'AWS::Region' } }] },
      f: { 'Fn::Join': ['', ['a', { Ref: 'B' }]] },
      g: { 'Fn::If': ['IsProd', { 'Fn::Equals': ['a', 'b'] }, { 'Fn::Not': [{ Condition: 'C' }] }] },
      h: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
      i: { 'Fn::FindInMap': ['M', 'K', 'V'] },
      j: { 'Fn::ImportValue': 'exported' },
      k: { 'Fn::And': [{ 'Fn::Or': ['x', 'y'] }, 'z'] },
      l: { 'Fn::Base64': 'text' },
      m: { 'Fn::GetAZs': '' },
    });
  });
});

describe('readTopology (inline serverless.yml)', () => {
  const base = (functions: string, resources: string) => `
service: t
params:
  default:
    visibility: 120
  prod:
    visibility: 900
custom:
  batch: 7
provider:
  name: aws
  stage: \${opt:stage, 'dev'}
functions:
${functions}
resources:
  Resources:
${resources}
`;

  it('resolves param: and self:custom variables from the file, per stage', () => {
    const yml = base(
      `  f:
    handler: h.handler
    events:
      - sqs:
          arn: !GetAtt Q.Arn
          batchSize: \${self:custom.batch}`,
      `    Q:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: \${param:visibility}
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt D.Arn
          maxReceiveCount: '\${self:custom.batch}'
    D:
      Type: AWS::SQS::Queue`,
    );
    const path = join(scratch, 'vars.yml');
    writeFileSync(path, yml);
    const dev = readTopology(path);
    expect(dev.queues[0]).toMatchObject({
      visibilityTimeoutSeconds: 120,
      deadLetter: { maxReceiveCount: 7 },
    });
    expect(dev.eventSources[0]).toMatchObject({
      batchSize: 7,
      maximumBatchingWindowSeconds: 0,
      reportBatchItemFailures: false,
    });
    expect(readTopology(path, { stage: 'prod' }).queues[0]?.visibilityTimeoutSeconds).toBe(900);
  });

  it('throws, naming the variable, when a value cannot be resolved from the file', () => {
    const yml = base(
      '  f:\n    handler: h.handler',
      `    Q:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: \${param:missing}`,
    );
    expect(() => topologyOf(yml, 'unresolved')).toThrow(
      /\$\{param:missing\}.*VisibilityTimeout|VisibilityTimeout.*\$\{param:missing\}/s,
    );
    const ssm = base(
      '  f:\n    handler: h.handler',
      `    Q:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: \${ssm:/x/y}`,
    );
    expect(() => topologyOf(ssm, 'ssm')).toThrow(/ssm/);
  });

  it('throws, naming the bad reference, on a dangling queue reference', () => {
    const danglingEventSource = base(
      `  f:
    handler: h.handler
    events:
      - sqs:
          arn: !GetAtt MissingQueue.Arn`,
      `    Q:
      Type: AWS::SQS::Queue`,
    );
    expect(() => topologyOf(danglingEventSource, 'dangling-sqs')).toThrow(/MissingQueue/);

    const danglingDlq = base(
      '  f:\n    handler: h.handler',
      `    Q:
      Type: AWS::SQS::Queue
      Properties:
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt GoneDLQ.Arn
          maxReceiveCount: 3`,
    );
    expect(() => topologyOf(danglingDlq, 'dangling-dlq')).toThrow(/GoneDLQ/);

    const danglingNotification = base(
      '  f:\n    handler: h.handler',
      `    B:
      Type: AWS::S3::Bucket
      Properties:
        NotificationConfiguration:
          QueueConfigurations:
            - Event: s3:ObjectCreated:*
              Queue: !GetAtt NoSuchQueue.Arn`,
    );
    expect(() => topologyOf(danglingNotification, 'dangling-notification')).toThrow(/NoSuchQueue/);
  });

  it('refuses a FIFO queue that redrives to a standard queue', () => {
    const yml = base(
      '  f:\n    handler: h.handler',
      `    Q:
      Type: AWS::SQS::Queue
      Properties:
        FifoQueue: true
        RedrivePolicy:
          deadLetterTargetArn: !GetAtt D.Arn
          maxReceiveCount: 3
    D:
      Type: AWS::SQS::Queue`,
    );
    expect(() => topologyOf(yml, 'fifo-mismatch')).toThrow(/FIFO/);
  });
});

describe('readTopology (optional notifications)', () => {
  /** A bucket notifying its own queue always, and an outside queue only when the params say so. */
  const yml = (snowpipe: string, queueArn: string) => `
service: s
provider:
  name: aws
params:
  default:
    snowpipe: "${snowpipe}"
    snowpipeQueueArn: "${queueArn}"
resources:
  Conditions:
    SnowpipeEnabled: !Equals ["\${param:snowpipe}", "true"]
    SnowpipeNotified: !And [!Condition SnowpipeEnabled, !Not [!Equals ["\${param:snowpipeQueueArn}", ""]]]
  Resources:
    Q:
      Type: AWS::SQS::Queue
    B:
      Type: AWS::S3::Bucket
      Properties:
        NotificationConfiguration:
          QueueConfigurations:
            - Event: s3:ObjectCreated:*
              Queue: !GetAtt Q.Arn
            - !If [SnowpipeNotified, {Event: "s3:ObjectCreated:*", Queue: "\${param:snowpipeQueueArn}"}, !Ref AWS::NoValue]
`;

  it('leaves out an !If entry whose condition is false for the stage, as CloudFormation would', () => {
    // Act
    const off = topologyOf(yml('false', 'arn:aws:sqs:eu-west-1:123456789012:sf-snowpipe'), 'snowpipe-off');
    const noQueue = topologyOf(yml('true', ''), 'snowpipe-no-queue');

    // Assess
    expect(off.notifications).toEqual([
      { queueLogicalId: 'Q', bucketLogicalId: 'B', event: 's3:ObjectCreated:*' },
    ]);
    expect(noQueue.notifications).toEqual(off.notifications);
  });

  it('refuses an !If entry that holds but names a queue outside the stack (nothing local can receive it)', () => {
    // Act
    const on = () => topologyOf(yml('true', 'arn:aws:sqs:eu-west-1:123456789012:sf-snowpipe'), 'snowpipe-on');

    // Assess
    expect(on).toThrow(/QueueConfigurations\[1\]\.Queue/);
  });
});
