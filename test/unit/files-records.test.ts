import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readJsonArrayRecords } from '../../shared/adapters/json-array-records';
import { readJsonlRecords } from '../../shared/adapters/jsonl-records';
import { gunzipped, readLandingRecords } from '../../shared/adapters/landing-records';
import {
  type FileFormat,
  type FileRecord,
  KEPT_RAW_BYTES,
  MAX_RECORD_BYTES,
  partRecordJson,
} from '../../shared/domain/file-drop';

/** Bytes split into chunks of the given sizes (the rest in one last chunk). */
async function* chunked(bytes: Buffer, sizes: number[] = []): AsyncGenerator<Buffer> {
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) return;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Records without their JSON text (checked on its own below), for readable tables. */
const withoutJson = (records: FileRecord[]) => records.map(({ json, ...record }) => record as FileRecord);
const readJsonl = async (text: string | Buffer, sizes?: number[]) =>
  withoutJson(await collect(readJsonlRecords(chunked(Buffer.from(text), sizes))));
const readArray = async (text: string | Buffer, sizes?: number[]) =>
  withoutJson(await collect(readJsonArrayRecords(chunked(Buffer.from(text), sizes))));
const anyText = expect.any(String) as unknown as string;

describe('readJsonlRecords', () => {
  it.each<{ name: string; text: string; expected: FileRecord[] }>([
    {
      name: 'one object a line',
      text: '{"event_id":"e1"}\n{"event_id":"e2"}\n',
      expected: [
        { line: 1, data: { event_id: 'e1' } },
        { line: 2, data: { event_id: 'e2' } },
      ],
    },
    {
      name: 'a BOM, CRLF line ends and no newline at the end',
      text: '\ufeff{"a":1}\r\n{"a":2}',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 2, data: { a: 2 } },
      ],
    },
    {
      name: 'blank lines, which are not records',
      text: '\n{"a":1}\n   \n\r\n{"a":2}\n\n',
      expected: [
        { line: 2, data: { a: 1 } },
        { line: 5, data: { a: 2 } },
      ],
    },
    {
      name: 'a truncated line, kept as unparseable with its text',
      text: '{"a":1}\n{"event_id":"e2","qua\n{"a":3}\n',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 2, unparseable: { raw_text: '{"event_id":"e2","qua', error: anyText } },
        { line: 3, data: { a: 3 } },
      ],
    },
    {
      name: 'lines that are JSON but not objects',
      text: '[1,2]\n42\nnull\n"text"\n',
      expected: [
        { line: 1, unparseable: { raw_text: '[1,2]', error: 'not a JSON object' } },
        { line: 2, unparseable: { raw_text: '42', error: 'not a JSON object' } },
        { line: 3, unparseable: { raw_text: 'null', error: 'not a JSON object' } },
        { line: 4, unparseable: { raw_text: '"text"', error: 'not a JSON object' } },
      ],
    },
    { name: 'an empty file', text: '', expected: [] },
    { name: 'a file of blank lines', text: '\n\r\n  \n', expected: [] },
  ])('reads $name', async ({ text, expected }) => {
    // Act + Assess
    expect(await readJsonl(text)).toEqual(expected);
  });

  it.each([
    { name: 'in one chunk', sizes: [] },
    { name: 'over many chunks', sizes: Array(40).fill(64 * 1024) },
  ])(
    'keeps the head of a line longer than the limit as unparseable, and reads on after it ($name)',
    async ({ sizes }) => {
      // Prepare
      const long = `{"blob":"${'x'.repeat(MAX_RECORD_BYTES + 10)}"}`;
      const text = `{"a":1}\n${long}\n{"a":3}\n`;

      // Act
      const records = await readJsonl(text, sizes);

      // Assess
      expect(records).toHaveLength(3);
      expect(records[1]?.line).toBe(2);
      // (compared as a boolean: a failing diff of a 64 KiB string helps nobody)
      expect(records[1]?.unparseable?.raw_text === long.slice(0, KEPT_RAW_BYTES)).toBe(true);
      expect(records[1]?.unparseable?.error).toMatch(/longer than/);
      expect(records[2]).toEqual({ line: 3, data: { a: 3 } });
    },
  );

  it('gives the same records however the bytes are split, multi-byte characters included', async () => {
    // Prepare
    const text = '\ufeff{"name":"Zoë Müller","city":"São Paulo"}\r\n\n{"bad":\n{"emoji":"🛒"}';
    const whole = await readJsonl(text);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), async (sizes) => {
        expect(await readJsonl(text, sizes)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
    expect(whole.map((r) => r.line)).toEqual([1, 3, 4]);
  });

  it('yields every non-blank line exactly once, in order', async () => {
    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.json(), fc.string()), { maxLength: 30 }), async (lines) => {
        const clean = lines.map((l) => l.replace(/[\r\n]/g, ' '));
        const records = await readJsonl(clean.join('\n'));
        const expectedLines = clean.flatMap((l, i) => (l.trim() === '' ? [] : [i + 1]));
        expect(records.map((r) => r.line)).toEqual(expectedLines);
      }),
      { numRuns: 100 },
    );
  });
});

describe('readJsonArrayRecords', () => {
  it.each<{ name: string; text: string; expected: FileRecord[] }>([
    {
      name: 'a pretty-printed array, each element with the line it starts on',
      text: '[\n  {"event_id": "e1",\n   "tags": ["a", "]"]},\n  {"event_id": "e2, \\"x\\""}\n]\n',
      expected: [
        { line: 2, data: { event_id: 'e1', tags: ['a', ']'] } },
        { line: 4, data: { event_id: 'e2, "x"' } },
      ],
    },
    {
      name: 'a one-line array after a BOM',
      text: '\ufeff[{"a":1},{"a":{"b":[1,2]}}]',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 1, data: { a: { b: [1, 2] } } },
      ],
    },
    { name: 'an empty array', text: ' [ ]\n', expected: [] },
    { name: 'an empty file', text: '', expected: [] },
    {
      name: 'a broken element between good ones',
      text: '[{"a":1},\n{"a":},\n{"a":3}]',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 2, unparseable: { raw_text: '{"a":}', error: anyText } },
        { line: 3, data: { a: 3 } },
      ],
    },
    {
      name: 'elements that are not objects',
      text: '[1, "x", [2]]',
      expected: [
        { line: 1, unparseable: { raw_text: '1', error: 'not a JSON object' } },
        { line: 1, unparseable: { raw_text: '"x"', error: 'not a JSON object' } },
        { line: 1, unparseable: { raw_text: '[2]', error: 'not a JSON object' } },
      ],
    },
    {
      name: 'a file cut short inside an element',
      text: '[{"a":1},\n{"a":2,"b"',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 2, unparseable: { raw_text: '{"a":2,"b"', error: anyText } },
      ],
    },
    {
      name: 'a document that is not an array, as one unparseable record',
      text: '{"a":1}\n{"a":2}\n',
      expected: [
        {
          line: 1,
          unparseable: { raw_text: '{"a":1}\n{"a":2}', error: expect.stringMatching(/not a JSON array/) },
        },
      ],
    },
    {
      name: 'text after the closing bracket, as one unparseable record',
      text: '[{"a":1}]\n\n garbage\n',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 3, unparseable: { raw_text: 'garbage', error: expect.stringMatching(/after the closing/) } },
      ],
    },
    {
      name: 'empty elements (double and trailing commas), which hold no record',
      text: '[{"a":1},,{"a":2},]',
      expected: [
        { line: 1, data: { a: 1 } },
        { line: 1, data: { a: 2 } },
      ],
    },
  ])('reads $name', async ({ text, expected }) => {
    // Act + Assess
    expect(await readArray(text)).toEqual(expected);
  });

  it('gives the same records however the bytes are split', async () => {
    // Prepare
    const text = '\ufeff[\r\n {"s":"a,]}\\"[{"},\r\n {"n":[1,{"m":"Zoë"}]},\r\n {"bad": }\r\n]';
    const whole = await readArray(text);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 40 }), async (sizes) => {
        expect(await readArray(text, sizes)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
    expect(whole.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(whole[0]?.data).toEqual({ s: 'a,]}"[{' });
  });

  it('reads back any array of objects exactly', async () => {
    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 15 }),
        fc.boolean(),
        async (objects, pretty) => {
          const records = await readArray(JSON.stringify(objects, null, pretty ? 2 : undefined));
          expect(records.map((r) => r.data)).toEqual(JSON.parse(JSON.stringify(objects)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('readLandingRecords', () => {
  it.each<{ format: FileFormat; text: string }>([
    { format: 'jsonl', text: '{"a":1}\n{"a":2}\n' },
    { format: 'json-array', text: '[{"a":1},{"a":2}]' },
    { format: 'csv', text: 'a\n1\n2\n' },
  ])('reads a gzipped $format file like the plain one', async ({ format, text }) => {
    // Prepare
    const plain = await collect(readLandingRecords(chunked(Buffer.from(text)), format));

    // Act
    const zipped = await collect(readLandingRecords(chunked(gzipSync(text), [1, 1, 3]), format));

    // Assess
    expect(plain).toHaveLength(2);
    expect(zipped).toEqual(plain);
  });

  it('reads a gzipped empty file as no records', async () => {
    // Act
    const records = await collect(readLandingRecords(chunked(gzipSync('')), 'jsonl'));
    // Assess
    expect(records).toEqual([]);
  });

  it('passes bytes that are not gzip through, even a single byte', async () => {
    // Act
    const one = await collect(gunzipped(chunked(Buffer.from([0x1f]))));
    const none = await collect(gunzipped(chunked(Buffer.alloc(0))));
    // Assess
    expect(Buffer.concat(one)).toEqual(Buffer.from([0x1f]));
    expect(none).toEqual([]);
  });

  it('fails on a corrupt gzip body instead of reading garbage', async () => {
    // Prepare
    const corrupt = Buffer.concat([gzipSync('{"a":1}\n').subarray(0, 12), Buffer.from('not deflate')]);
    // Act + Assess
    await expect(collect(readLandingRecords(chunked(corrupt), 'jsonl'))).rejects.toThrow();
  });
});

describe('the JSON text a parsed record carries', () => {
  it.each<{ format: FileFormat; text: string; json: string[] }>([
    {
      format: 'jsonl',
      text: '\ufeff {"a": 1, "b":"x"} \r\n{"a":2}',
      json: [' {"a": 1, "b":"x"} ', '{"a":2}'],
    },
    { format: 'json-array', text: '[ {"a": [1, 2]} ,\n{"a":"]"}]', json: ['{"a": [1, 2]}', '{"a":"]"}'] },
  ])('is the exact text of each $format record, which parses to its data', async ({ format, text, json }) => {
    // Act
    const records = await collect(readLandingRecords(chunked(Buffer.from(text)), format));
    // Assess
    expect(records.map((r) => r.json)).toEqual(json);
    for (const record of records) expect(JSON.parse(record.json!)).toEqual(record.data);
  });

  it.each<{ name: string; record: FileRecord; expected: unknown }>([
    {
      name: 'a JSON record, from its text as read',
      record: { line: 3, data: { a: 1 }, json: '{"a": 1}' },
      expected: { line: 3, data: { a: 1 } },
    },
    {
      name: 'a CSV row, serialised',
      record: { line: 4, data: { a: '1' } },
      expected: { line: 4, data: { a: '1' } },
    },
    {
      name: 'an unparseable record',
      record: { line: 5, unparseable: { raw_text: '{', error: 'not JSON' } },
      expected: { line: 5, unparseable: { raw_text: '{', error: 'not JSON' } },
    },
  ])('writes $name into a part as valid JSON', ({ record, expected }) => {
    // Act + Assess
    expect(JSON.parse(partRecordJson(record))).toEqual(expected);
  });
});
