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

const root = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS = ['ingest', 'enrich', 'convert', 'load'] as const;

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
  const ofType = (type: string): [string, Resource][] =>
    Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    const missing = FUNCTIONS.filter((fn) => !existsSync(join(root, 'services', fn, 'handler.ts')));
    if (missing.length > 0) throw new Error(`handlers missing, cannot package: ${missing.join(', ')}`);
    try {
      await promisify(execFile)('npx', ['sls', 'package', '--stage', 'dev', '--package', out], {
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
    const template: unknown = JSON.parse(
      readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
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

  it('packages four functions, each in its own artifact, on nodejs22.x arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'ConvertLambdaFunction',
      'EnrichLambdaFunction',
      'IngestLambdaFunction',
      'LoadLambdaFunction',
    ]);
    const keys = new Set<string>();
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      const key = String(field(fn.Properties, 'Code', 'S3Key'));
      keys.add(key);
      const zip = key.split('/').pop() ?? '';
      expect(zip, id).toMatch(/^(ingest|enrich|convert|load)\.zip$/);
      expect(existsSync(join(out, zip)), zip).toBe(true);
    }
    expect(keys.size).toBe(4);
  });

  it('puts the bundled handler (CommonJS) in each artifact and nothing of DuckDB anywhere', () => {
    for (const fn of FUNCTIONS) {
      const entries = zipEntries(join(out, `${fn}.zip`)).map((e) => e.name);
      expect(entries, fn).toContain(`services/${fn}/handler.cjs`);
      expect(
        entries.filter((e) => e.includes('@duckdb') || e.endsWith('.node')),
        fn,
      ).toEqual([]);
    }
  });

  it('loads each packaged handler outside the project, as Lambda would (no node_modules beside it)', () => {
    for (const fn of FUNCTIONS) {
      const dir = join(out, 'unpacked', fn);
      for (const entry of zipEntries(join(out, `${fn}.zip`))) {
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

  it('has every event source mapping report batch item failures, on a queue visible longer than the function runs', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(3);
    for (const [id, m] of mappings) {
      expect(m.Properties.FunctionResponseTypes, id).toEqual(['ReportBatchItemFailures']);
      const queue = resources[getAttTarget(m.Properties.EventSourceArn) ?? ''];
      const fn = resources[getAttTarget(m.Properties.FunctionName) ?? ''];
      expect(queue?.Type, id).toBe('AWS::SQS::Queue');
      const visibility = Number(queue?.Properties.VisibilityTimeout ?? 30);
      const timeout = Number(fn?.Properties.Timeout ?? 6);
      const window = Number(m.Properties.MaximumBatchingWindowInSeconds ?? 0);
      expect(visibility, id).toBeGreaterThanOrEqual(timeout + window);
    }
  });

  it('encrypts every bucket, blocks public access, and denies non-TLS requests', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.map(([id]) => id)).toEqual(expect.arrayContaining(['RawBucket', 'CuratedBucket']));
    const policies = ofType('AWS::S3::BucketPolicy');
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

  it('lets S3 send to the enrich and convert queues only from the raw bucket', () => {
    const [policy] = ofType('AWS::SQS::QueuePolicy');
    const statements = asList(field(policy?.[1].Properties, 'PolicyDocument', 'Statement'));
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(field(statement, 'Principal', 'Service')).toBe('s3.amazonaws.com');
    expect(asList(field(statement, 'Action'))).toEqual(['sqs:SendMessage']);
    expect(field(statement, 'Condition', 'ArnEquals', 'aws:SourceArn')).toBeDefined();
    const notified = asList(
      field(resources.RawBucket?.Properties, 'NotificationConfiguration', 'QueueConfigurations'),
    )
      .map((c) => getAttTarget(field(c, 'Queue')))
      .sort();
    expect(notified).toEqual(['ConvertQueue', 'EnrichQueue']);
    const allowed = asList(field(statement, 'Resource')).map(getAttTarget).sort();
    expect(allowed).toEqual(notified);
  });

  it('grants no IAM statement Action "*" or a bare Resource "*"', () => {
    const statements = [
      ...ofType('AWS::IAM::Role').flatMap(([, role]) =>
        asList(role.Properties.Policies).flatMap((p) => asList(field(p, 'PolicyDocument', 'Statement'))),
      ),
      ...[...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')].flatMap(([, p]) =>
        asList(field(p.Properties, 'PolicyDocument', 'Statement')),
      ),
    ];
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const actions = asList(field(statement, 'Action'));
      expect(actions.length, JSON.stringify(statement)).toBeGreaterThan(0);
      for (const action of actions)
        expect(action === '*' || action === '*:*', JSON.stringify(statement)).toBe(false);
      for (const resource of asList(field(statement, 'Resource'))) {
        expect(resource, JSON.stringify(statement)).not.toBe('*');
      }
    }
  });
});
