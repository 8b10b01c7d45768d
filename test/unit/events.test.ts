import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isManifestKey } from '../../shared/domain/layout';
import type { LoadMessage } from '../../shared/domain/manifest';
import { type ObjectRef, parseS3Notification } from '../../shared/domain/s3-notification';
import { InvalidEventError } from '../../shared/errors';
import { parseIngestEvent, parseLoadMessage } from '../../shared/events';
import { createLogger } from '../../shared/logger';
import { processSqsBatch } from '../../shared/sqs-batch';

const EVENTS_DIR = fileURLToPath(new URL('../../events/', import.meta.url));
const SAMPLE_FILES = readdirSync(EVENTS_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

const readSample = (name: string): unknown => JSON.parse(readFileSync(`${EVENTS_DIR}${name}`, 'utf8'));

/** Feeds every record of an SQS sample through a body parser, as the handler does, collecting results. */
async function parseSqsSample<T>(event: unknown, parse: (body: string) => T[], fifo = false) {
  const parsed: T[] = [];
  const response = await processSqsBatch(
    event as SQSEvent,
    async (record) => {
      parsed.push(...parse(record.body));
    },
    createLogger('silent'),
    { fifo },
  );
  expect(response).toStrictEqual({ batchItemFailures: [] });
  return parsed;
}

const expectManifestsUnder = (refs: ObjectRef[], prefix: string) => {
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) {
    expect(ref.key.startsWith(prefix)).toBe(true);
    expect(ref.key.endsWith('/_manifest.json')).toBe(true);
    expect(isManifestKey(ref.key)).toBe(true);
    expect(ref.key).not.toMatch(/%[0-9A-F]{2}/i);
  }
};

/** The contract check of each sample event: the parser its handler uses, and what it must yield. */
const CONTRACT: Record<string, (event: unknown) => Promise<void>> = {
  'ingest-schedule.json': async (event) => {
    expect(parseIngestEvent(event, 'dummyjson')).toEqual({
      source: 'dummyjson',
      scheduledTime: new Date('2026-11-26T03:00:00Z'),
    });
  },
  'ingest-schedule-fakestore.json': async (event) => {
    expect(parseIngestEvent(event, 'dummyjson')).toEqual({
      source: 'fakestore',
      scheduledTime: new Date('2026-11-26T03:00:00Z'),
    });
  },
  'landing-sqs.json': async (event) => {
    const refs = await parseSqsSample(event, parseS3Notification);
    expect(refs).toEqual([
      {
        bucket: 'shop-pipeline-raw-local',
        key: 'landing/sales-2026-11-26.jsonl',
        size: 1222,
        eTag: 'a0c8be33020f77c705577ca26439f266',
      },
    ]);
    // The object it announces is the sample file beside it: same size and ETag (MD5 of a single PUT).
    const file = readFileSync(`${EVENTS_DIR}landing/sales-2026-11-26.jsonl`);
    expect(file.byteLength).toBe(refs[0]?.size);
    expect(createHash('md5').update(file).digest('hex')).toBe(refs[0]?.eTag);
  },
  'scheduled-event.json': async (event) => {
    expect(parseIngestEvent(event, 'dummyjson')).toEqual({
      source: 'dummyjson',
      scheduledTime: new Date('2026-11-26T03:00:00Z'),
    });
  },
  'enrich-sqs.json': async (event) => {
    const refs = await parseSqsSample(event, parseS3Notification);
    expectManifestsUnder(refs, 'raw/');
    expect(refs).toEqual([
      {
        bucket: 'shop-pipeline-raw-local',
        key: 'raw/source=dummyjson/ingest_date=2026-11-26/run_id=20261126T030000Z/_manifest.json',
        size: 2143,
        eTag: '9b2cf535f27731c974343645a3985328',
      },
    ]);
  },
  'convert-sqs.json': async (event) => {
    const refs = await parseSqsSample(event, parseS3Notification);
    expectManifestsUnder(refs, 'enriched/');
    expect(refs.map((r) => r.key)).toEqual([
      'enriched/source=dummyjson/ingest_date=2026-11-26/batch_id=dummyjson-20261126T030000Z/_manifest.json',
    ]);
  },
  's3-test-event-sqs.json': async (event) => {
    expect(await parseSqsSample(event, parseS3Notification)).toEqual([]);
  },
  'load-sqs.json': async (event) => {
    const messages = await parseSqsSample<LoadMessage>(event, (body) => [parseLoadMessage(body)], true);
    expect(messages).toEqual([
      {
        batchId: 'dummyjson-20261126T030000Z',
        bucket: 'shop-pipeline-curated-local',
        manifestKey: 'curated/_manifests/dummyjson-20261126T030000Z.json',
      },
    ]);
  },
};

describe('the sample events in events/', () => {
  it('has a contract check for every sample file, and a sample for every check', () => {
    // Assess
    expect(SAMPLE_FILES.length).toBeGreaterThan(0);
    expect(SAMPLE_FILES).toEqual(Object.keys(CONTRACT).sort());
  });

  it.each(SAMPLE_FILES)('feeds events/%s through its handler parser', async (name) => {
    // Prepare
    const event = readSample(name);
    const check = CONTRACT[name];
    expect(check, `events/${name} has no contract check: add one to CONTRACT`).toBeDefined();

    // Act + Assess
    await check!(event);
  });
});

describe('parseIngestEvent', () => {
  it('uses the default source for a plain EventBridge scheduled event', () => {
    // Prepare
    const event = readSample('scheduled-event.json');

    // Act
    const parsed = parseIngestEvent(event, 'another-source');

    // Assess
    expect(parsed.source).toBe('another-source');
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['null', null],
    ['a source without a time', { source: 'dummyjson' }],
    ['a time that is not ISO-8601', { source: 'dummyjson', time: 'yesterday' }],
    ['an empty source', { source: '', time: '2026-11-26T03:00:00Z' }],
  ])('rejects %s with InvalidEventError', (_name, event) => {
    // Act + Assess
    expect(() => parseIngestEvent(event, 'dummyjson')).toThrow(InvalidEventError);
  });
});

describe('parseS3Notification', () => {
  it.each([
    ['a body that is not JSON', 'not json'],
    ['JSON that is not a notification', '{"foo":1}'],
    ['a record without s3', '{"Records":[{"eventName":"ObjectCreated:Put"}]}'],
  ])('rejects %s with InvalidEventError', (_name, body) => {
    // Act + Assess
    expect(() => parseS3Notification(body)).toThrow(InvalidEventError);
  });

  it('decodes a key sent with + for spaces and %XX escapes', () => {
    // Prepare
    const body = notification('raw/my+file%2Bv2%3D1.json');

    // Act
    const refs = parseS3Notification(body);

    // Assess
    expect(refs.map((r) => r.key)).toEqual(['raw/my file+v2=1.json']);
  });

  it('ignores records that are not ObjectCreated', () => {
    // Prepare
    const body = notification('raw/a.json', 'ObjectRemoved:Delete');

    // Act + Assess
    expect(parseS3Notification(body)).toEqual([]);
  });

  it('round-trips any key S3 encodes', () => {
    // Act + Assess
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (key) => {
        const encoded = encodeURIComponent(key).replace(/%20/g, '+');
        expect(parseS3Notification(notification(encoded)).map((r) => r.key)).toEqual([key]);
      }),
    );
  });

  it('rejects a key that is not valid URL encoding with InvalidEventError', () => {
    // Prepare
    const body = notification('raw/100%/_manifest.json');

    // Act + Assess
    expect(() => parseS3Notification(body)).toThrow(InvalidEventError);
  });
});

describe('parseLoadMessage', () => {
  it.each([
    ['an empty batch id', '{"batchId":""}'],
    ['a body that is not JSON', '{batchId'],
    ['a message without a manifest key', '{"batchId":"b","bucket":"curated"}'],
  ])('rejects %s with InvalidEventError', (_name, body) => {
    // Act + Assess
    expect(() => parseLoadMessage(body)).toThrow(InvalidEventError);
  });
});

describe('the event parsers on arbitrary input', () => {
  it('throw nothing but InvalidEventError', () => {
    // Act + Assess
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (body) => {
        for (const parse of [
          parseS3Notification,
          parseLoadMessage,
          (b: string) => parseIngestEvent(b, 'x'),
        ]) {
          try {
            parse(body);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidEventError);
          }
        }
      }),
    );
  });
});

/** An S3 event notification body announcing one object. */
function notification(encodedKey: string, eventName = 'ObjectCreated:Put'): string {
  return JSON.stringify({
    Records: [{ eventName, s3: { bucket: { name: 'shop-raw' }, object: { key: encodedKey, size: 1 } } }],
  });
}
