/**
 * Reads the pipeline's wiring (queues and their DLQs, S3 -> SQS notification rules, SQS event source
 * mappings, schedules) from serverless.yml, so the embedded local stack reproduces exactly what is
 * deployed. Nothing here talks to AWS: CloudFormation short-form tags are parsed into their long forms
 * and the few Serverless variables the wiring may use (`${param:x}`, `${self:...}`, `${sls:stage}`,
 * `${opt:...}`, `${env:...}` with their fallbacks) are resolved from the file itself.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';
import type { EventSourceMapping, NotificationRule, QueueSpec, Schedule, Topology } from './topology-types';

/** Options of {@link readTopology}. */
export interface ReadTopologyOptions {
  /**
   * Stage whose `params.<stage>` overlay `params.default` (as `sls --stage`). Default: the stage
   * `sls package` would use without `--stage` (`provider.stage`, resolved; `dev` when unset).
   */
  stage?: string;
  /** Region for `${opt:region}` (default: that variable's fallback). */
  region?: string;
}

/** Lambda's defaults for an SQS event source, and SQS's default visibility timeout. */
const DEFAULT_BATCH_SIZE = 10;
const DEFAULT_BATCHING_WINDOW_SECONDS = 0;
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;

/** CloudFormation short-form tags and their long forms. */
const CFN_FUNCTIONS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  Sub: 'Fn::Sub',
  Join: 'Fn::Join',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  ImportValue: 'Fn::ImportValue',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Base64: 'Fn::Base64',
  GetAZs: 'Fn::GetAZs',
  Cidr: 'Fn::Cidr',
  Transform: 'Fn::Transform',
};

/** Custom `yaml` tags turning `!Ref X`, `!GetAtt A.B`, `!Sub [...]`... into `{Ref: X}`, `{'Fn::GetAtt': ['A', 'B']}`... */
function cloudFormationTags(): Tags {
  const tags: Tags = [];
  for (const [short, long] of Object.entries(CFN_FUNCTIONS)) {
    const tag = `!${short}`;
    tags.push({
      tag,
      resolve: (value: string): unknown => {
        if (short === 'GetAtt') {
          const dot = value.indexOf('.');
          if (dot <= 0) throw new Error(`!GetAtt ${value}: expected LogicalId.Attribute`);
          return { [long]: [value.slice(0, dot), value.slice(dot + 1)] };
        }
        return { [long]: value };
      },
    });
    const resolve = (node: YAMLMap.Parsed | YAMLSeq.Parsed): unknown => ({ [long]: node.toJSON() });
    tags.push({ tag, collection: 'seq', resolve });
    tags.push({ tag, collection: 'map', resolve });
  }
  return tags;
}

/**
 * Parses serverless.yml (or any CloudFormation YAML) text, with the CloudFormation short-form tags
 * turned into their long forms. Serverless variables (`${...}`) are left as written.
 *
 * @param text - YAML source.
 * @returns The parsed document as plain JSON-like data.
 */
export function parseServerlessYaml(text: string): unknown {
  return parse(text, { customTags: cloudFormationTags(), prettyErrors: true, maxAliasCount: -1 });
}

/** The default serverless.yml: the project root's. */
export function defaultServerlessYmlPath(): string {
  return fileURLToPath(new URL('../serverless.yml', import.meta.url));
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function getPath(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isObj(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

/** Resolves the Serverless variables the wiring may use, from the configuration itself. */
class VariableResolver {
  private readonly params: Obj;

  constructor(
    private readonly config: Obj,
    private readonly file: string,
    private readonly options: ReadTopologyOptions,
    private readonly stage: string,
  ) {
    const params = isObj(config.params) ? config.params : {};
    this.params = {
      ...(isObj(params.default) ? params.default : {}),
      ...(isObj(params[stage]) ? params[stage] : {}),
    };
  }

  /** Resolves `value` fully: a string that is exactly one variable keeps the referenced value's type. */
  resolve(value: unknown, where: string, depth = 0): unknown {
    if (depth > 20) throw new Error(`${this.file}: ${where}: variable resolution does not terminate`);
    if (typeof value === 'string' && value.includes('${')) {
      const whole = matchVariable(value, 0);
      if (whole && whole.end === value.length && isServerlessVariable(whole.body)) {
        return this.resolve(this.resolveVariable(whole.body, where, depth), where, depth + 1);
      }
      let out = '';
      let i = 0;
      while (i < value.length) {
        const v = value.startsWith('${', i) ? matchVariable(value, i) : undefined;
        // `${AWS::Region}`, `${Bucket}`...: CloudFormation's own substitutions, not Serverless variables.
        if (!v || !isServerlessVariable(v.body)) {
          out += value[i];
          i += 1;
          continue;
        }
        const resolved = this.resolve(this.resolveVariable(v.body, where, depth), where, depth + 1);
        if (typeof resolved !== 'string' && typeof resolved !== 'number' && typeof resolved !== 'boolean') {
          throw new Error(
            `${this.file}: ${where}: \${${v.body}} inside "${value}" resolves to a non-scalar value`,
          );
        }
        out += String(resolved);
        i = v.end;
      }
      return out;
    }
    if (Array.isArray(value)) return value.map((item, n) => this.resolve(item, `${where}[${n}]`, depth));
    if (isObj(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.resolve(v, `${where}.${k}`, depth)]),
      );
    }
    return value;
  }

  private resolveVariable(body: string, where: string, depth: number): unknown {
    const [reference = '', ...fallbacks] = splitTopLevel(body);
    const value = this.lookup(reference.trim(), where);
    if (value !== undefined) return value;
    for (const fallback of fallbacks) {
      const resolved = this.resolveFallback(fallback.trim(), where, depth);
      if (resolved !== undefined) return resolved;
    }
    throw new Error(
      `${this.file}: ${where}: cannot resolve \${${body}} from the file (stage "${this.stage}"); ` +
        'only the sources param:, self:, sls:stage, opt:stage|region and env: (with fallbacks) resolve offline',
    );
  }

  private resolveFallback(fallback: string, where: string, depth: number): unknown {
    if (/^'.*'$/s.test(fallback) || /^".*"$/s.test(fallback)) return fallback.slice(1, -1);
    if (/^-?\d+(\.\d+)?$/.test(fallback)) return Number(fallback);
    if (fallback === 'true' || fallback === 'false') return fallback === 'true';
    if (fallback === 'null') return undefined;
    if (fallback.startsWith('${')) return this.resolve(fallback, where, depth + 1);
    return this.lookup(fallback, where);
  }

  private lookup(reference: string, where: string): unknown {
    const colon = reference.indexOf(':');
    if (colon < 0) throw new Error(`${this.file}: ${where}: malformed variable \${${reference}}`);
    const source = reference.slice(0, colon);
    const address = reference.slice(colon + 1).trim();
    switch (source) {
      case 'param':
        return this.params[address];
      case 'self':
        return address === '' ? this.config : getPath(this.config, address.split('.'));
      case 'sls':
        if (address === 'stage') return this.stage;
        if (address === 'instanceId') return 'local';
        return undefined;
      case 'opt':
        if (address === 'stage') return this.options.stage;
        if (address === 'region') return this.options.region;
        return undefined;
      case 'env':
        return process.env[address];
      default:
        throw new Error(
          `${this.file}: ${where}: variable source "${source}:" (in \${${reference}}) cannot be resolved offline`,
        );
    }
  }
}

/**
 * Whether a `${...}` body is a Serverless variable (`source:address`, source in lower camel case, as osls
 * parses it) rather than a CloudFormation substitution such as `${AWS::Region}` or `${Bucket}`.
 */
function isServerlessVariable(body: string): boolean {
  return /^[a-z][a-zA-Z0-9]*:/.test(body.trim());
}

/** The `${...}` starting at `start` (nested variables allowed), or undefined when unbalanced. */
function matchVariable(
  text: string,
  start: number,
): { start: number; end: number; body: string } | undefined {
  if (!text.startsWith('${', start)) return undefined;
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text.startsWith('${', i)) {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return { start, end: i + 1, body: text.slice(start + 2, i) };
    }
  }
  return undefined;
}

/** Splits a variable body on top-level commas (outside quotes and nested `${}`). */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i] ?? '';
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (body.startsWith('${', i)) {
      depth += 1;
    } else if (ch === '}') {
      depth -= 1;
    } else if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

/** Typed readers of resolved values, each failing with the property's path. */
class Reader {
  constructor(
    private readonly vars: VariableResolver,
    private readonly file: string,
  ) {}

  /** The value with its Serverless variables resolved; CloudFormation functions are kept. */
  raw(value: unknown, where: string): unknown {
    return this.vars.resolve(value, where);
  }

  /** The value with its Serverless variables resolved; a CloudFormation function is an error. */
  value(value: unknown, where: string): unknown {
    const resolved = this.vars.resolve(value, where);
    if (isObj(resolved)) {
      const fn = Object.keys(resolved).find((k) => k === 'Ref' || k.startsWith('Fn::'));
      if (fn) {
        throw new Error(
          `${this.file}: ${where}: ${fn} cannot be evaluated locally; write a literal or a variable`,
        );
      }
    }
    return resolved;
  }

  number(value: unknown, where: string, fallback?: number): number {
    const v = this.value(value, where);
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new Error(`${this.file}: ${where}: missing number`);
    }
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new Error(`${this.file}: ${where}: expected a number, got ${JSON.stringify(v)}`);
    }
    return n;
  }

  optionalNumber(value: unknown, where: string): number | undefined {
    return value === undefined || value === null ? undefined : this.number(value, where);
  }

  boolean(value: unknown, where: string, fallback: boolean): boolean {
    const v = this.value(value, where);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new Error(`${this.file}: ${where}: expected a boolean, got ${JSON.stringify(v)}`);
  }

  string(value: unknown, where: string): string {
    const v = this.value(value, where);
    if (typeof v !== 'string')
      throw new Error(`${this.file}: ${where}: expected a string, got ${JSON.stringify(v)}`);
    return v;
  }
}

/**
 * The queue an ARN-valued property points at: `!GetAtt Queue.Arn` (or `Fn::GetAtt: [Queue, Arn]`), or a
 * literal ARN whose last segment is a queue's `QueueName` or logical id. Returns the logical id as
 * written; existence is checked by the caller.
 */
function queueRefFromArn(arn: unknown, where: string, file: string, queueNames: Map<string, string>): string {
  if (isObj(arn) && 'Fn::GetAtt' in arn) {
    const getAtt = arn['Fn::GetAtt'];
    const parts = typeof getAtt === 'string' ? getAtt.split('.') : getAtt;
    if (Array.isArray(parts) && typeof parts[0] === 'string') {
      if (parts[1] !== 'Arn')
        throw new Error(`${file}: ${where}: expected ${parts[0]}.Arn, got .${String(parts[1])}`);
      return parts[0];
    }
  }
  if (typeof arn === 'string' && arn.startsWith('arn:')) {
    const name = arn.split(':').pop() ?? '';
    return queueNames.get(name) ?? name;
  }
  throw new Error(
    `${file}: ${where}: expected a queue ARN (!GetAtt <Queue>.Arn), got ${JSON.stringify(arn)}`,
  );
}

/** The CloudFormation conditions of every `resources` section. */
function conditionsOf(config: Obj): Obj {
  const sections = Array.isArray(config.resources) ? config.resources : [config.resources];
  return Object.assign(
    {},
    ...sections.map((s: unknown) => (isObj(s) && isObj(s.Conditions) ? s.Conditions : {})),
  );
}

/**
 * A list entry written `!If [Condition, entry, !Ref AWS::NoValue]` (an optional destination such as
 * Snowflake's Snowpipe queue, behind a param): the branch the condition picks for this stage's params,
 * undefined for `AWS::NoValue`. Any other entry is returned as it is. Conditions may use Equals, Not,
 * And, Or and Condition over values that resolve offline.
 */
function optionalEntry(entry: unknown, conditions: Obj, read: Reader, where: string): unknown {
  if (!isObj(entry) || !Array.isArray(entry['Fn::If'])) return entry;
  const [name, then, otherwise] = entry['Fn::If'] as unknown[];
  const holds = (node: unknown, at: string, depth = 0): boolean => {
    if (depth > 20 || !isObj(node)) throw new Error(`${where}: condition ${at} cannot be evaluated locally`);
    const args = (key: string) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : [node[key]]);
    if ('Fn::Equals' in node) {
      const [a, b] = args('Fn::Equals').map((v) => String(read.value(v, at)));
      return a === b;
    }
    if ('Fn::Not' in node) return !holds(args('Fn::Not')[0], at, depth + 1);
    if ('Fn::And' in node) return args('Fn::And').every((c) => holds(c, at, depth + 1));
    if ('Fn::Or' in node) return args('Fn::Or').some((c) => holds(c, at, depth + 1));
    if ('Condition' in node)
      return holds(conditions[String(node.Condition)], String(node.Condition), depth + 1);
    throw new Error(`${where}: condition ${at} uses a function the local stack cannot evaluate`);
  };
  const picked = holds(conditions[String(name)], String(name)) ? then : otherwise;
  return isObj(picked) && picked.Ref === 'AWS::NoValue' ? undefined : picked;
}

function resourcesOf(config: Obj, file: string): Obj {
  const resources = config.resources;
  if (resources === undefined) return {};
  const sections = Array.isArray(resources) ? resources : [resources];
  const merged: Obj = {};
  for (const section of sections) {
    if (!isObj(section)) {
      throw new Error(
        `${file}: resources: expected a mapping, got ${JSON.stringify(section)} (files are not read)`,
      );
    }
    if (isObj(section.Resources)) Object.assign(merged, section.Resources);
  }
  return merged;
}

/**
 * Reads the pipeline's topology from serverless.yml: every `AWS::SQS::Queue` resource (with its DLQ),
 * every bucket's `NotificationConfiguration.QueueConfigurations`, the functions' `sqs` events (event
 * source mappings; disabled ones are left out) and `schedule` events (one entry per expression;
 * disabled ones are left out).
 *
 * @param serverlessYmlPath - Path of serverless.yml; default: the project root's.
 * @param options - Stage (and region) used to resolve `${param:...}` and friends.
 * @returns The topology, validated: every queue a DLQ, notification or event source names exists.
 * @throws Error naming the file and property when a reference is dangling, a value cannot be resolved
 *   offline, or a FIFO queue redrives to a standard queue (or the reverse).
 */
export function readTopology(serverlessYmlPath?: string, options: ReadTopologyOptions = {}): Topology {
  const file = serverlessYmlPath ?? defaultServerlessYmlPath();
  const config = parseServerlessYaml(readFileSync(file, 'utf8'));
  if (!isObj(config)) throw new Error(`${file}: not a YAML mapping`);
  return topologyFromConfig(config, file, options);
}

/**
 * {@link readTopology} over an already parsed configuration.
 *
 * @param config - serverless.yml contents as parsed by {@link parseServerlessYaml}.
 * @param file - Name used in error messages.
 * @param options - Stage and region for variable resolution.
 */
export function topologyFromConfig(
  config: Obj,
  file = 'serverless.yml',
  options: ReadTopologyOptions = {},
): Topology {
  const provider = isObj(config.provider) ? config.provider : {};
  const stage = resolveStage(config, file, options, provider.stage);
  const vars = new VariableResolver(config, file, options, stage);
  const read = new Reader(vars, file);
  const resources = resourcesOf(config, file);

  // Queues first: every other section is checked against them.
  const queueNames = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObj(resource) || resource.Type !== 'AWS::SQS::Queue') continue;
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const name =
      props.QueueName === undefined ? undefined : read.value(props.QueueName, `${logicalId}.QueueName`);
    if (typeof name === 'string') queueNames.set(name, logicalId);
    queueNames.set(logicalId, logicalId);
  }

  const queues: QueueSpec[] = [];
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObj(resource) || resource.Type !== 'AWS::SQS::Queue') continue;
    const where = `resources.Resources.${logicalId}.Properties`;
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const fifo = read.boolean(props.FifoQueue, `${where}.FifoQueue`, false);
    const queue: QueueSpec = {
      logicalId,
      name: fifo ? `${logicalId}.fifo` : logicalId,
      fifo,
      contentBasedDeduplication: read.boolean(
        props.ContentBasedDeduplication,
        `${where}.ContentBasedDeduplication`,
        false,
      ),
      visibilityTimeoutSeconds: read.number(
        props.VisibilityTimeout,
        `${where}.VisibilityTimeout`,
        DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
      ),
    };
    const retention = read.optionalNumber(props.MessageRetentionPeriod, `${where}.MessageRetentionPeriod`);
    if (retention !== undefined) queue.messageRetentionSeconds = retention;
    if (props.RedrivePolicy !== undefined) {
      let redrive: unknown = read.value(props.RedrivePolicy, `${where}.RedrivePolicy`);
      if (typeof redrive === 'string') redrive = JSON.parse(redrive);
      if (!isObj(redrive)) throw new Error(`${file}: ${where}.RedrivePolicy: expected a mapping`);
      const dlq = queueRefFromArn(
        redrive.deadLetterTargetArn,
        `${where}.RedrivePolicy.deadLetterTargetArn`,
        file,
        queueNames,
      );
      queue.deadLetter = {
        queueLogicalId: dlq,
        maxReceiveCount: read.number(redrive.maxReceiveCount, `${where}.RedrivePolicy.maxReceiveCount`),
      };
    }
    queues.push(queue);
  }
  const queueById = new Map(queues.map((q) => [q.logicalId, q]));
  const requireQueue = (id: string, where: string): void => {
    if (!queueById.has(id))
      problems.push(`${where} references queue "${id}", which is not an AWS::SQS::Queue resource`);
  };
  for (const queue of queues) {
    if (!queue.deadLetter) continue;
    const where = `resources.Resources.${queue.logicalId}.Properties.RedrivePolicy.deadLetterTargetArn`;
    requireQueue(queue.deadLetter.queueLogicalId, where);
    const dlq = queueById.get(queue.deadLetter.queueLogicalId);
    if (dlq && dlq.fifo !== queue.fifo) {
      problems.push(
        `${where}: ${queue.logicalId} and its DLQ ${dlq.logicalId} must both be FIFO or both standard`,
      );
    }
  }

  const notifications: NotificationRule[] = [];
  for (const [bucketLogicalId, resource] of Object.entries(resources)) {
    if (!isObj(resource) || resource.Type !== 'AWS::S3::Bucket') continue;
    const configs = getPath(resource, ['Properties', 'NotificationConfiguration', 'QueueConfigurations']);
    if (configs === undefined) continue;
    const base = `resources.Resources.${bucketLogicalId}.Properties.NotificationConfiguration.QueueConfigurations`;
    if (!Array.isArray(configs)) throw new Error(`${file}: ${base}: expected a list`);
    configs.forEach((item: unknown, n: number) => {
      const where = `${base}[${n}]`;
      const entry = optionalEntry(item, conditionsOf(config), read, `${file}: ${where}`);
      if (entry === undefined) return;
      if (!isObj(entry)) throw new Error(`${file}: ${where}: expected a mapping`);
      const queueLogicalId = queueRefFromArn(
        read.raw(entry.Queue, `${where}.Queue`),
        `${where}.Queue`,
        file,
        queueNames,
      );
      requireQueue(queueLogicalId, `${where}.Queue`);
      const rule: NotificationRule = {
        queueLogicalId,
        bucketLogicalId,
        event: read.string(entry.Event, `${where}.Event`),
      };
      const rules = getPath(entry, ['Filter', 'S3Key', 'Rules']);
      if (rules !== undefined) {
        if (!Array.isArray(rules)) throw new Error(`${file}: ${where}.Filter.S3Key.Rules: expected a list`);
        rules.forEach((r: unknown, m: number) => {
          const at = `${where}.Filter.S3Key.Rules[${m}]`;
          if (!isObj(r)) throw new Error(`${file}: ${at}: expected a mapping`);
          const name = read.string(r.Name, `${at}.Name`).toLowerCase();
          const value = read.string(r.Value, `${at}.Value`);
          if (name === 'prefix') rule.prefix = value;
          else if (name === 'suffix') rule.suffix = value;
          else throw new Error(`${file}: ${at}.Name: expected prefix or suffix, got ${name}`);
        });
      }
      notifications.push(rule);
    });
  }

  const eventSources: EventSourceMapping[] = [];
  const schedules: Schedule[] = [];
  const functions = config.functions ?? {};
  if (!isObj(functions)) throw new Error(`${file}: functions: expected a mapping`);
  for (const [functionName, fn] of Object.entries(functions)) {
    if (!isObj(fn)) throw new Error(`${file}: functions.${functionName}: expected a mapping`);
    const events = fn.events ?? [];
    if (!Array.isArray(events)) throw new Error(`${file}: functions.${functionName}.events: expected a list`);
    events.forEach((event: unknown, n: number) => {
      const where = `functions.${functionName}.events[${n}]`;
      if (!isObj(event)) return;
      if (event.sqs !== undefined) {
        const sqs = isObj(event.sqs) ? event.sqs : { arn: event.sqs };
        const at = `${where}.sqs`;
        if (!read.boolean(sqs.enabled, `${at}.enabled`, true)) return;
        const queueLogicalId = queueRefFromArn(read.raw(sqs.arn, `${at}.arn`), `${at}.arn`, file, queueNames);
        requireQueue(queueLogicalId, `${at}.arn`);
        const mapping: EventSourceMapping = {
          functionName,
          queueLogicalId,
          batchSize: read.number(sqs.batchSize, `${at}.batchSize`, DEFAULT_BATCH_SIZE),
          maximumBatchingWindowSeconds: read.number(
            sqs.maximumBatchingWindow,
            `${at}.maximumBatchingWindow`,
            DEFAULT_BATCHING_WINDOW_SECONDS,
          ),
          reportBatchItemFailures:
            sqs.functionResponseType !== undefined &&
            read.string(sqs.functionResponseType, `${at}.functionResponseType`) === 'ReportBatchItemFailures',
        };
        const concurrency = read.optionalNumber(sqs.maximumConcurrency, `${at}.maximumConcurrency`);
        if (concurrency !== undefined) mapping.maximumConcurrency = concurrency;
        eventSources.push(mapping);
      }
      if (event.schedule !== undefined) {
        const at = `${where}.schedule`;
        const schedule = isObj(event.schedule) ? event.schedule : { rate: event.schedule };
        if (!read.boolean(schedule.enabled, `${at}.enabled`, true)) return;
        const rates = read.value(schedule.rate, `${at}.rate`);
        const expressions = Array.isArray(rates) ? rates : [rates];
        const input =
          schedule.input !== undefined
            ? read.value(schedule.input, `${at}.input`)
            : schedule.inputTransformer !== undefined
              ? read.value(schedule.inputTransformer, `${at}.inputTransformer`)
              : undefined;
        expressions.forEach((expression: unknown, m: number) => {
          if (typeof expression !== 'string' || !/^(rate|cron)\(.+\)$/.test(expression)) {
            throw new Error(
              `${file}: ${at}.rate[${m}]: expected rate(...) or cron(...), got ${JSON.stringify(expression)}`,
            );
          }
          const entry: Schedule = { functionName, expression };
          if (input !== undefined) entry.input = input;
          schedules.push(entry);
        });
      }
    });
  }

  if (problems.length > 0) throw new Error(`${file}: invalid topology:\n- ${problems.join('\n- ')}`);
  return { queues, notifications, eventSources, schedules };
}

/** The effective stage, as osls computes it: `--stage`, else `provider.stage` (resolved), else `dev`. */
function resolveStage(
  config: Obj,
  file: string,
  options: ReadTopologyOptions,
  providerStage: unknown,
): string {
  if (options.stage) return options.stage;
  if (providerStage === undefined) return 'dev';
  // `provider.stage` may itself use `${opt:stage, 'dev'}`: resolve it with a provisional stage.
  const resolved = new VariableResolver(config, file, options, 'dev').resolve(
    providerStage,
    'provider.stage',
  );
  if (typeof resolved !== 'string' || resolved === '') {
    throw new Error(`${file}: provider.stage: expected a string, got ${JSON.stringify(resolved)}`);
  }
  return resolved;
}
