/**
 * Policy checks over the CloudFormation template that `sls package` compiles from serverless.yml, and
 * over the packaged artifacts. Runs osls offline (no AWS credentials needed) into a scratch directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, PREFIX } from '../../shared/constants';
import { snapshotRoot } from '../../shared/domain/known-dimensions';
import { manifestKeyIn, rawPageKey, rawRunPrefix } from '../../shared/domain/layout';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS = ['ingest', 'enrich', 'convert', 'load'] as const;
/** Each artifact (zip) and the handler folder it bundles: the PostgreSQL function runs the ingest code. */
const ARTIFACTS = {
  ingest: 'ingest',
  ingestPostgres: 'ingest',
  enrich: 'enrich',
  convert: 'convert',
  load: 'load',
} as const;
const FUNCTION_COUNT = Object.keys(ARTIFACTS).length;
/** Where enrich keeps the dimensions it has seen (shared/domain/known-dimensions.ts writes below it). */
const DIMS_PREFIX = `${PREFIX.enriched}_dims/`;
/** The stage `sls package` runs with here, and the defaults of its parameters in serverless.yml. */
const STAGE = 'dev';
const POSTGRES_SECRET_ARN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholders, as written
  'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop-pipeline/dev/postgres-??????';
const SNOWFLAKE_SECRET_ARN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholders, as written
  'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop-pipeline/dev/snowflake-??????';

type Obj = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Obj;
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) current = isObj(current) ? current[key] : undefined;
  return current;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** An entry written `!If [condition, ...]` (an optional one, such as the Snowpipe notifications). */
const isConditional = (value: unknown): boolean => isObj(value) && 'Fn::If' in value;

/** The logical id a `{"Fn::GetAtt": [id, "Arn"]}` points at. */
function getAttTarget(value: unknown): string | undefined {
  const getAtt = field(value, 'Fn::GetAtt');
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

interface ZipEntry {
  name: string;
  /** The entry's bytes, uncompressed. */
  read: () => Buffer;
}

/** Entries of a zip file, read from its central directory (no external `unzip` needed). */
function zipEntries(file: string): ZipEntry[] {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i -= 1) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n += 1) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const method = buf.readUInt16LE(offset + 10);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    const localHeader = buf.readUInt32LE(offset + 42);
    const name = buf.subarray(offset + 46, offset + 46 + nameLength).toString('utf8');
    entries.push({
      name,
      read: () => {
        const start =
          localHeader + 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
        const data = buf.subarray(start, start + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`${file}: ${name}: unsupported compression method ${method}`);
      },
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

describe('compiled CloudFormation template (sls package)', () => {
  const out = mkdtempSync(join(tmpdir(), 'sls-package-'));
  let resources: Record<string, Resource> = {};
  let template: Obj = {};
  const ofType = (type: string): [string, Resource][] =>
    Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    const missing = FUNCTIONS.filter((fn) => !existsSync(join(root, 'services', fn, 'handler.ts')));
    if (missing.length > 0) throw new Error(`handlers missing, cannot package: ${missing.join(', ')}`);
    try {
      await promisify(execFile)('npx', ['sls', 'package', '--stage', STAGE, '--package', out], {
        cwd: root,
        env: {
          ...process.env,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          SLS_ESBUILD_WORK_FOLDER: '.esbuild-package-test',
        },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 170_000,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message?: string };
      throw new Error(`sls package failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    const parsed: unknown = JSON.parse(
      readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
    if (!isObj(parsed)) throw new Error('template is not a JSON object');
    template = parsed;
    const raw = field(template, 'Resources');
    if (!isObj(raw)) throw new Error('template has no Resources');
    resources = Object.fromEntries(
      Object.entries(raw).map(([id, r]) => [
        id,
        {
          Type: String(field(r, 'Type')),
          Properties: isObj(field(r, 'Properties')) ? (field(r, 'Properties') as Obj) : {},
        },
      ]),
    );
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('packages five functions, each in its own artifact, on nodejs22.x arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'ConvertLambdaFunction',
      'EnrichLambdaFunction',
      'IngestLambdaFunction',
      'IngestPostgresLambdaFunction',
      'LoadLambdaFunction',
    ]);
    const keys = new Set<string>();
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      const key = String(field(fn.Properties, 'Code', 'S3Key'));
      keys.add(key);
      const zip = key.split('/').pop() ?? '';
      expect(zip, id).toMatch(/^(ingest|ingestPostgres|enrich|convert|load)\.zip$/);
      expect(existsSync(join(out, zip)), zip).toBe(true);
    }
    expect(keys.size).toBe(FUNCTION_COUNT);
  });

  it('gives convert the local disk its date spill needs, and the other functions the default', () => {
    // Assess: rows of dates beyond the open-file limit wait in /tmp (shared/stages/date-spill.ts)
    expect(resources.ConvertLambdaFunction?.Properties.EphemeralStorage).toEqual({ Size: 2048 });
    for (const [id, fn] of ofType('AWS::Lambda::Function'))
      if (id !== 'ConvertLambdaFunction') expect(fn.Properties.EphemeralStorage, id).toBeUndefined();
  });

  it('puts the bundled handler (CommonJS) in each artifact and nothing of DuckDB anywhere', () => {
    for (const [zip, fn] of Object.entries(ARTIFACTS)) {
      const entries = zipEntries(join(out, `${zip}.zip`)).map((e) => e.name);
      expect(entries, zip).toContain(`services/${fn}/handler.cjs`);
      expect(
        entries.filter((e) => e.includes('@duckdb') || e.endsWith('.node')),
        zip,
      ).toEqual([]);
    }
  });

  it('bundles the pg driver into the ingest artifacts only, and PGlite (dev only) into none', () => {
    for (const [zip, fn] of Object.entries(ARTIFACTS)) {
      const entries = zipEntries(join(out, `${zip}.zip`));
      const code =
        entries
          .find((e) => e.name === `services/${fn}/handler.cjs`)
          ?.read()
          .toString('utf8') ?? '';
      // pg's optional native binding stays a lazy require (never installed, never packed).
      expect(code.includes('require("pg-native")'), zip).toBe(fn === 'ingest');
      expect(code.includes('shop-pipeline-ingest'), zip).toBe(fn === 'ingest');
      expect(code.toLowerCase(), zip).not.toContain('pglite');
      expect(
        entries.filter((e) => e.name.includes('pg-native')),
        zip,
      ).toEqual([]);
    }
  });

  it('loads each packaged handler outside the project, as Lambda would (no node_modules beside it)', () => {
    for (const [zip, fn] of Object.entries(ARTIFACTS)) {
      const dir = join(out, 'unpacked', zip);
      for (const entry of zipEntries(join(out, `${zip}.zip`))) {
        if (entry.name.endsWith('/')) continue;
        mkdirSync(join(dir, entry.name, '..'), { recursive: true });
        writeFileSync(join(dir, entry.name), entry.read());
      }
      const loaded: unknown = createRequire(join(dir, 'index.cjs'))(`./services/${fn}/handler.cjs`);
      expect(typeof field(loaded, 'handler'), fn).toBe('function');
    }
  });

  it('gives every queue that is not a DLQ a RedrivePolicy with maxReceiveCount 3, and encrypts every queue', () => {
    const queues = ofType('AWS::SQS::Queue');
    const dlqs = new Set(
      queues.flatMap(([, q]) => {
        const target = getAttTarget(field(q.Properties, 'RedrivePolicy', 'deadLetterTargetArn'));
        return target ? [target] : [];
      }),
    );
    expect(dlqs.size).toBeGreaterThan(0);
    for (const [id, q] of queues) {
      const encrypted =
        q.Properties.SqsManagedSseEnabled === true || q.Properties.KmsMasterKeyId !== undefined;
      expect(encrypted, `${id} encryption`).toBe(true);
      if (dlqs.has(id)) continue;
      const target = getAttTarget(field(q.Properties, 'RedrivePolicy', 'deadLetterTargetArn'));
      expect(target, `${id} DLQ`).toBeDefined();
      expect(resources[target ?? '']?.Type, `${id} DLQ type`).toBe('AWS::SQS::Queue');
      expect(Number(field(q.Properties, 'RedrivePolicy', 'maxReceiveCount')), id).toBe(3);
    }
  });

  it('has every event source mapping report batch item failures, on a queue visible 6 x longer than its function runs', () => {
    // Prepare
    const mappings = ofType('AWS::Lambda::EventSourceMapping');

    // Assess
    expect(mappings.map(([, m]) => getAttTarget(m.Properties.EventSourceArn)).sort()).toEqual([
      'ConvertQueue',
      'EnrichQueue',
      'IngestFilesQueue',
      'LoadQueue',
    ]);
    for (const [id, m] of mappings) {
      expect(m.Properties.FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
      const queue = resources[getAttTarget(m.Properties.EventSourceArn) ?? ''];
      const fn = resources[getAttTarget(m.Properties.FunctionName) ?? ''];
      expect(queue?.Type, id).toBe('AWS::SQS::Queue');
      const visibility = Number(queue?.Properties.VisibilityTimeout ?? 30);
      const timeout = Number(fn?.Properties.Timeout ?? 6);
      const window = Number(m.Properties.MaximumBatchingWindowInSeconds ?? 0);
      expect(visibility, id).toBeGreaterThanOrEqual(timeout + window);
      // AWS recommends 6 x the function timeout for SQS event sources.
      expect(visibility, id).toBeGreaterThanOrEqual(Math.min(6 * timeout, 43_200));
    }
  });

  it('serialises the loader: FIFO queue, one message a batch, one instance at most', () => {
    // Prepare
    const [[, load] = ['', undefined]] = ofType('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => getAttTarget(m.Properties.FunctionName) === 'LoadLambdaFunction',
    );

    // Assess
    expect(resources.LoadQueue?.Properties.FifoQueue).toBe(true);
    expect(resources.LoadDLQ?.Properties.FifoQueue).toBe(true);
    expect(load?.Properties.BatchSize).toBe(1);
    expect(resources.LoadLambdaFunction?.Properties.ReservedConcurrentExecutions).toBe(1);
    // The standard queues cap their pollers instead (a reserved concurrency there would throttle them).
    for (const [id, m] of ofType('AWS::Lambda::EventSourceMapping')) {
      if (m === load) continue;
      expect(field(m.Properties, 'ScalingConfig', 'MaximumConcurrency'), id).toBeGreaterThanOrEqual(2);
    }
  });

  it('notifies each queue of exactly the keys its stage consumes, as shared/constants.ts names them', () => {
    // Prepare
    const rules = asList(
      field(resources.RawBucket?.Properties, 'NotificationConfiguration', 'QueueConfigurations'),
    )
      .filter((c) => !isConditional(c))
      .map((c) => {
        const filters = asList(field(c, 'Filter', 'S3Key', 'Rules'));
        const rule = (name: string) =>
          field(
            filters.find((r) => field(r, 'Name') === name),
            'Value',
          );
        const queue = getAttTarget(field(c, 'Queue'));
        const consumer = ofType('AWS::Lambda::EventSourceMapping').find(
          ([, m]) => getAttTarget(m.Properties.EventSourceArn) === queue,
        );
        return {
          event: field(c, 'Event'),
          queue,
          prefix: rule('prefix'),
          suffix: rule('suffix'),
          function: getAttTarget(consumer?.[1].Properties.FunctionName),
        };
      });

    // Assess
    expect(rules).toEqual([
      {
        event: 's3:ObjectCreated:*',
        queue: 'IngestFilesQueue',
        prefix: PREFIX.landing,
        suffix: undefined,
        function: 'IngestLambdaFunction',
      },
      {
        event: 's3:ObjectCreated:*',
        queue: 'EnrichQueue',
        prefix: PREFIX.raw,
        suffix: MANIFEST_FILE,
        function: 'EnrichLambdaFunction',
      },
      {
        event: 's3:ObjectCreated:*',
        queue: 'ConvertQueue',
        prefix: PREFIX.enriched,
        suffix: MANIFEST_FILE,
        function: 'ConvertLambdaFunction',
      },
    ]);
    expect(field(resources.CuratedBucket?.Properties, 'NotificationConfiguration')).toBeUndefined();
  });

  it('schedules one ingest run per API source, and the PostgreSQL extraction on its own (off by default)', () => {
    // Prepare
    const rules = ofType('AWS::Events::Rule');

    // Assess
    const inputs = rules.map(([id, rule]) => {
      const [target] = asList(rule.Properties.Targets);
      expect(field(target, 'InputTransformer', 'InputPathsMap'), id).toEqual({ time: '$.time' });
      const template = String(field(target, 'InputTransformer', 'InputTemplate'));
      const input = JSON.parse(template.replace('<time>', '"2026-11-26T03:00:00Z"')) as unknown;
      return { target: getAttTarget(field(target, 'Arn')), state: rule.Properties.State, input };
    });
    const time = '2026-11-26T03:00:00Z';
    expect(inputs).toEqual([
      { target: 'IngestLambdaFunction', state: 'ENABLED', input: { source: 'dummyjson', time } },
      { target: 'IngestLambdaFunction', state: 'ENABLED', input: { source: 'fakestore', time } },
      { target: 'IngestPostgresLambdaFunction', state: 'DISABLED', input: { source: 'postgres', time } },
    ]);
  });

  it('runs the PostgreSQL extraction one at a time, outside a VPC unless the parameters name one', () => {
    // Prepare
    const fn = resources.IngestPostgresLambdaFunction?.Properties;
    const role = resources.IngestPostgresRole?.Properties;

    // Assess
    expect(fn?.ReservedConcurrentExecutions).toBe(1);
    expect(field(fn, 'Environment', 'Variables')).toMatchObject({
      POSTGRES_SECRET_ID: `shop-pipeline/${STAGE}/postgres`,
      NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
    });
    expect(fn?.VpcConfig).toEqual({
      'Fn::If': [
        'HasPostgresVpc',
        { SubnetIds: { 'Fn::Split': [',', ''] }, SecurityGroupIds: { 'Fn::Split': [',', ''] } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(field(template, 'Conditions', 'HasPostgresVpc')).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['', ''] }],
    });
    // The VPC's network-interface actions (AWS's managed policy) only with a VPC.
    expect(role?.ManagedPolicyArns).toEqual({
      'Fn::If': [
        'HasPostgresVpc',
        [
          {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub placeholders
            'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
          },
        ],
        { Ref: 'AWS::NoValue' },
      ],
    });
  });

  it('encrypts every bucket, blocks public access, and denies non-TLS requests', () => {
    // Prepare
    const buckets = ofType('AWS::S3::Bucket');
    const policies = ofType('AWS::S3::BucketPolicy');

    // Assess
    expect(buckets.map(([id]) => id)).toEqual(expect.arrayContaining(['RawBucket', 'CuratedBucket']));
    for (const [id, bucket] of buckets) {
      const sse = field(bucket.Properties, 'BucketEncryption', 'ServerSideEncryptionConfiguration');
      expect(Array.isArray(sse) && sse.length > 0, `${id} encryption`).toBe(true);
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const tlsOnly = policies.some(
        ([, p]) =>
          field(p.Properties, 'Bucket', 'Ref') === id &&
          asList(field(p.Properties, 'PolicyDocument', 'Statement')).some((s) => {
            const secure = field(s, 'Condition', 'Bool', 'aws:SecureTransport');
            // The framework writes a boolean, YAML may give the string.
            return field(s, 'Effect') === 'Deny' && (secure === false || secure === 'false');
          }),
      );
      expect(tlsOnly, `${id} TLS-only policy`).toBe(true);
    }
    expect(resources.RawBucket?.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('expires dropped landing/ files and tiers, then expires, the raw/ zone', () => {
    // Prepare
    const rules = asList(field(resources.RawBucket?.Properties, 'LifecycleConfiguration', 'Rules'));
    const rule = (prefix: string) => rules.find((r) => field(r, 'Prefix') === prefix);

    // Assess
    expect(field(rule(PREFIX.landing), 'Status')).toBe('Enabled');
    expect(field(rule(PREFIX.landing), 'ExpirationInDays')).toBe(30);
    expect(asList(field(rule(PREFIX.raw), 'Transitions')).map((t) => field(t, 'StorageClass'))).toEqual([
      'STANDARD_IA',
      'GLACIER_IR',
    ]);
    expect(field(rule(PREFIX.raw), 'ExpirationInDays')).toBe(365);
    // Old versions of every key go too (the raw bucket is versioned).
    expect(rules.some((r) => field(r, 'NoncurrentVersionExpiration', 'NoncurrentDays') !== undefined)).toBe(
      true,
    );
  });

  it('lets S3 send to the queues it notifies, and only from the raw bucket', () => {
    // Prepare
    const [policy] = ofType('AWS::SQS::QueuePolicy');
    const statements = asList(field(policy?.[1].Properties, 'PolicyDocument', 'Statement'));
    const notified = asList(
      field(resources.RawBucket?.Properties, 'NotificationConfiguration', 'QueueConfigurations'),
    )
      .filter((c) => !isConditional(c))
      .map((c) => getAttTarget(field(c, 'Queue')))
      .sort();

    // Assess
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(field(statement, 'Principal', 'Service')).toBe('s3.amazonaws.com');
    expect(asList(field(statement, 'Action'))).toEqual(['sqs:SendMessage']);
    expect(field(statement, 'Condition', 'ArnEquals', 'aws:SourceArn')).toBeDefined();
    expect(notified).toEqual(['ConvertQueue', 'EnrichQueue', 'IngestFilesQueue']);
    expect(asList(field(statement, 'Resource')).map(getAttTarget).sort()).toEqual(notified);
    expect(
      asList(field(policy?.[1].Properties, 'Queues'))
        .map((q) => field(q, 'Ref'))
        .sort(),
    ).toEqual(notified);
  });

  it('grants no IAM statement a wildcard action, nor a bare Resource "*" beyond the two X-Ray write actions', () => {
    // Prepare
    const statements = [
      ...ofType('AWS::IAM::Role').flatMap(([, role]) =>
        asList(role.Properties.Policies).flatMap((p) => asList(field(p, 'PolicyDocument', 'Statement'))),
      ),
      ...[...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')].flatMap(([, p]) =>
        asList(field(p.Properties, 'PolicyDocument', 'Statement')),
      ),
    ];

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    let traceStatements = 0;
    for (const statement of statements) {
      const actions = asList(field(statement, 'Action'));
      expect(actions.length, JSON.stringify(statement)).toBeGreaterThan(0);
      expect(field(statement, 'NotAction'), JSON.stringify(statement)).toBeUndefined();
      for (const action of actions) expect(String(action), JSON.stringify(statement)).not.toContain('*');
      if (isTraceWrite(statement)) {
        traceStatements += 1;
        continue;
      }
      for (const resource of asList(field(statement, 'Resource'))) {
        expect(resource, JSON.stringify(statement)).not.toBe('*');
      }
    }
    // One per function role, and the exception is exactly that shape.
    expect(traceStatements).toBe(FUNCTION_COUNT);
    expect(
      isTraceWrite({ Effect: 'Allow', Action: ['xray:PutTraceSegments', 's3:GetObject'], Resource: '*' }),
    ).toBe(false);
    expect(isTraceWrite({ Effect: 'Allow', Action: ['xray:GetTraceSummaries'], Resource: '*' })).toBe(false);
  });

  it('runs every function with X-Ray active tracing', () => {
    // Assess
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(FUNCTION_COUNT);
    for (const [id, fn] of functions) expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
  });

  it('runs each function as its own role, which reaches only its log group, its queues and its own prefixes', () => {
    // Prepare
    const logs = (fn: string) => [`logs:CreateLogStream ${fn}LogGroup`, `logs:PutLogEvents ${fn}LogGroup`];
    const consume = (queue: string) =>
      ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'].map((a) => `${a} ${queue}`);
    const read = (bucket: string, ...prefixes: string[]) =>
      prefixes.flatMap((p) => [`s3:GetObject ${bucket}/${p}*`, `s3:ListBucket ${bucket} prefix=${p}*`]);
    const write = (bucket: string, ...prefixes: string[]) =>
      prefixes.map((p) => `s3:PutObject ${bucket}/${p}*`);
    const traces = ['xray:PutTelemetryRecords "*"', 'xray:PutTraceSegments "*"'];
    const expected: Record<string, string[]> = {
      IngestLambdaFunction: [
        ...logs('Ingest'),
        ...traces,
        ...consume('IngestFilesQueue'),
        ...read('RawBucket', PREFIX.landing),
        ...write('RawBucket', PREFIX.raw),
      ],
      EnrichLambdaFunction: [
        ...logs('Enrich'),
        ...traces,
        ...consume('EnrichQueue'),
        ...read('RawBucket', PREFIX.raw, DIMS_PREFIX),
        ...write('RawBucket', PREFIX.enriched, PREFIX.rejects),
      ],
      ConvertLambdaFunction: [
        ...logs('Convert'),
        ...traces,
        ...consume('ConvertQueue'),
        ...read('RawBucket', PREFIX.enriched, PREFIX.rejects),
        ...write('CuratedBucket', PREFIX.curated),
        'sqs:SendMessage LoadQueue',
      ],
      LoadLambdaFunction: [
        ...logs('Load'),
        ...traces,
        ...consume('LoadQueue'),
        ...read('CuratedBucket', PREFIX.curated),
        `secretsmanager:GetSecretValue ${SNOWFLAKE_SECRET_ARN}`,
      ],
      IngestPostgresLambdaFunction: [
        ...logs('IngestPostgres'),
        ...traces,
        ...read('RawBucket', `${PREFIX.raw}source=postgres/`, `${PREFIX.state}source=postgres/`),
        ...write('RawBucket', `${PREFIX.raw}source=postgres/`, `${PREFIX.state}source=postgres/`),
        `secretsmanager:GetSecretValue ${POSTGRES_SECRET_ARN}`,
      ],
    };

    // Act
    const granted = Object.fromEntries(
      ofType('AWS::Lambda::Function').map(([id, fn]) => {
        const role = resources[getAttTarget(fn.Properties.Role) ?? ''];
        expect(role?.Type, `${id} role`).toBe('AWS::IAM::Role');
        return [id, roleGrants(role)];
      }),
    );

    // Assess
    expect(snapshotRoot('dummyjson').startsWith(DIMS_PREFIX)).toBe(true);
    expect(granted).toEqual(Object.fromEntries(Object.entries(expected).map(([id, g]) => [id, g.sort()])));
    const roles = ofType('AWS::Lambda::Function').map(([, fn]) => getAttTarget(fn.Properties.Role));
    expect(new Set(roles).size).toBe(FUNCTION_COUNT);
    // No shared role left behind by the framework.
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    for (const id of roles) {
      expect(field(resources[id ?? '']?.Properties, 'AssumeRolePolicyDocument', 'Statement')).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it("gives Snowflake's storage integration a read-only role on curated/, assumable with the external id", () => {
    // Prepare
    const role = resources.SnowflakeStorageRole;
    const [trust, ...others] = asList(field(role?.Properties, 'AssumeRolePolicyDocument', 'Statement'));

    // Assess
    expect(others).toEqual([]);
    expect(field(trust, 'Action')).toBe('sts:AssumeRole');
    expect(field(trust, 'Principal', 'AWS')).toBeDefined();
    expect(field(trust, 'Condition', 'StringEquals', 'sts:ExternalId')).toBe(
      `shop-pipeline-${STAGE}-snowflake`,
    );
    expect(roleGrants(role)).toEqual(
      [
        `s3:GetObject CuratedBucket/${PREFIX.curated}*`,
        `s3:GetObjectVersion CuratedBucket/${PREFIX.curated}*`,
        `s3:ListBucket CuratedBucket prefix=${PREFIX.curated}*`,
        's3:GetBucketLocation CuratedBucket',
      ].sort(),
    );
    expect(field(template, 'Outputs', 'SnowflakeStorageRoleArn', 'Value')).toEqual({
      'Fn::GetAtt': ['SnowflakeStorageRole', 'Arn'],
    });
  });

  it("sends raw part files, never a manifest, to Snowflake's Snowpipe queue, only when both params say so", () => {
    // Prepare
    const configs = asList(
      field(resources.RawBucket?.Properties, 'NotificationConfiguration', 'QueueConfigurations'),
    );
    const snowpipe = configs.filter(isConditional).map((c) => field(c, 'Fn::If') as unknown[]);
    const rulesOf = (c: unknown) => {
      const filters = asList(field(c, 'Filter', 'S3Key', 'Rules'));
      const value = (name: string) =>
        field(
          filters.find((r) => field(r, 'Name') === name),
          'Value',
        );
      return {
        event: field(c, 'Event'),
        prefix: String(value('prefix') ?? ''),
        suffix: String(value('suffix') ?? ''),
      };
    };
    const keyMatches = (rule: { prefix: string; suffix: string }, key: string) =>
      key.startsWith(rule.prefix) && key.endsWith(rule.suffix);
    const run = rawRunPrefix('dummyjson', '2026-11-26', '20261126T030000Z');

    // Assess: ten conditional rules, one per last digit of part-N.json, to the param's queue (empty by default)
    expect(snowpipe.map(([condition, , otherwise]) => [condition, otherwise])).toEqual(
      Array.from({ length: 10 }, () => ['SnowpipeNotified', { Ref: 'AWS::NoValue' }]),
    );
    const piped = snowpipe.map(([, then]) => ({ ...rulesOf(then), queue: field(then, 'Queue') }));
    expect(piped).toEqual(
      Array.from({ length: 10 }, (_, d) => ({
        event: 's3:ObjectCreated:*',
        prefix: PREFIX.raw,
        suffix: `${d}.json`,
        queue: '',
      })),
    );
    expect(field(template, 'Conditions', 'SnowpipeEnabled')).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(field(template, 'Conditions', 'SnowpipeNotified')).toEqual({
      'Fn::And': [{ Condition: 'SnowpipeEnabled' }, { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] }],
    });
    // No key can match two rules of one event (S3 refuses overlapping prefix + suffix filters)...
    const base = configs.filter((c) => !isConditional(c)).map(rulesOf);
    for (const pipe of piped) {
      for (const other of [...base, ...piped.filter((p) => p !== pipe)]) {
        const prefixes = pipe.prefix.startsWith(other.prefix) || other.prefix.startsWith(pipe.prefix);
        const suffixes = pipe.suffix.endsWith(other.suffix) || other.suffix.endsWith(pipe.suffix);
        expect(prefixes && suffixes, `${pipe.suffix} overlaps ${other.prefix} ${other.suffix}`).toBe(false);
      }
    }
    // ...every raw part reaches the pipes, and a run's manifest reaches enrich alone.
    for (const page of [1, 7, 10, 12_345]) {
      const key = rawPageKey(run, 'orders', page);
      expect(
        piped.filter((r) => keyMatches(r, key)),
        key,
      ).toHaveLength(1);
    }
    expect(piped.filter((r) => keyMatches(r, manifestKeyIn(run)))).toEqual([]);
  });

  it("gives Snowflake's raw integration, when enabled, a read-only role on raw/ with the same trust", () => {
    // Prepare
    const role = resources.SnowflakeRawStorageRole;
    const [trust, ...others] = asList(field(role?.Properties, 'AssumeRolePolicyDocument', 'Statement'));

    // Assess
    expect(field(template, 'Resources', 'SnowflakeRawStorageRole', 'Condition')).toBe('SnowpipeEnabled');
    expect(others).toEqual([]);
    expect(field(trust, 'Condition', 'StringEquals', 'sts:ExternalId')).toBe(
      `shop-pipeline-${STAGE}-snowflake`,
    );
    expect(roleGrants(role)).toEqual(
      [
        `s3:GetObject RawBucket/${PREFIX.raw}*`,
        `s3:GetObjectVersion RawBucket/${PREFIX.raw}*`,
        `s3:ListBucket RawBucket prefix=${PREFIX.raw}*`,
        's3:GetBucketLocation RawBucket',
      ].sort(),
    );
    expect(field(template, 'Outputs', 'SnowflakeRawStorageRoleArn')).toEqual({
      Condition: 'SnowpipeEnabled',
      Value: { 'Fn::GetAtt': ['SnowflakeRawStorageRole', 'Arn'] },
    });
  });

  it("alarms on every DLQ's depth and every function's errors", () => {
    // Prepare
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => ({
      metric: `${a.Properties.Namespace} ${a.Properties.MetricName}`,
      dimension: asList(a.Properties.Dimensions).map((d) => {
        const value = field(d, 'Value');
        return `${field(d, 'Name')}=${getAttTarget(value) ?? field(value, 'Ref')}`;
      }),
      trigger: `${a.Properties.ComparisonOperator} ${a.Properties.Threshold}`,
    }));
    const dlqs = ofType('AWS::SQS::Queue')
      .map(([, q]) => getAttTarget(field(q.Properties, 'RedrivePolicy', 'deadLetterTargetArn')))
      .filter((id) => id !== undefined);

    // Assess
    expect(dlqs).toHaveLength(4);
    expect(alarms).toEqual(
      expect.arrayContaining([
        ...dlqs.map((dlq) => ({
          metric: 'AWS/SQS ApproximateNumberOfMessagesVisible',
          dimension: [`QueueName=${dlq}`],
          trigger: 'GreaterThanThreshold 0',
        })),
        ...ofType('AWS::Lambda::Function').map(([id]) => ({
          metric: 'AWS/Lambda Errors',
          dimension: [`FunctionName=${id}`],
          trigger: 'GreaterThanThreshold 0',
        })),
      ]),
    );
    expect(alarms).toHaveLength(9);
    // Without alarmTopicArn the alarms have no actions (no addresses in the repo).
    expect(field(template, 'Conditions', 'HasAlarmTopic')).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['', ''] }],
    });
  });

  it("keeps each function's logs for the stage's retention, and configures every function from stage parameters", () => {
    // Prepare
    const groups = ofType('AWS::Logs::LogGroup');
    const env = (id: string) => field(resources[id]?.Properties, 'Environment', 'Variables');

    // Assess
    expect(groups).toHaveLength(FUNCTION_COUNT);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBe(14);
    for (const [id] of ofType('AWS::Lambda::Function')) {
      expect(env(id), id).toMatchObject({
        RAW_BUCKET: { Ref: 'RawBucket' },
        CURATED_BUCKET: { Ref: 'CuratedBucket' },
        LOAD_QUEUE_URL: { Ref: 'LoadQueue' },
        DUMMYJSON_BASE_URL: 'https://dummyjson.com',
        FAKESTORE_BASE_URL: 'https://fakestoreapi.com',
        WAREHOUSE: 'snowflake',
        SNOWFLAKE_SECRET_ID: `shop-pipeline/${STAGE}/snowflake`,
        S3_ENDPOINT: '',
        SQS_ENDPOINT: '',
      });
    }
  });
});

/** The logical id (or literal) an IAM Resource names: `RawBucket`, `RawBucket/landing/*`, an ARN. */
/**
 * The one statement allowed a bare Resource "*": X-Ray's PutTraceSegments and PutTelemetryRecords,
 * exactly those two (they support no resource-level permissions), allowed with no condition.
 */
function isTraceWrite(statement: unknown): boolean {
  const actions = asList(field(statement, 'Action')).map(String).sort();
  return (
    field(statement, 'Effect') === 'Allow' &&
    field(statement, 'Condition') === undefined &&
    JSON.stringify(actions) === JSON.stringify(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']) &&
    JSON.stringify(asList(field(statement, 'Resource'))) === JSON.stringify(['*'])
  );
}

function describeResource(resource: unknown): string {
  const target = getAttTarget(resource);
  if (target) return target;
  const sub = field(resource, 'Fn::Sub');
  if (typeof sub === 'string') {
    const object = /^\$\{(\w+)\.Arn\}\/(.+)$/.exec(sub);
    return object ? `${object[1]}/${object[2]}` : sub;
  }
  return JSON.stringify(resource);
}

/**
 * What a role's inline policies allow, one sorted line per action and resource (and `s3:prefix`
 * condition): `s3:GetObject RawBucket/landing/*`, `s3:ListBucket RawBucket prefix=landing/*`.
 */
function roleGrants(role: Resource | undefined): string[] {
  const statements = asList(role?.Properties.Policies).flatMap((p) =>
    asList(field(p, 'PolicyDocument', 'Statement')),
  );
  return statements
    .flatMap((statement) => {
      if (field(statement, 'Effect') !== 'Allow') return [];
      const prefixes = asList(field(statement, 'Condition', 'StringLike', 's3:prefix'));
      return asList(field(statement, 'Action')).flatMap((action) =>
        asList(field(statement, 'Resource')).flatMap((resource) => {
          const grant = `${String(action)} ${describeResource(resource)}`;
          return prefixes.length > 0 ? prefixes.map((p) => `${grant} prefix=${String(p)}`) : [grant];
        }),
      );
    })
    .sort();
}
