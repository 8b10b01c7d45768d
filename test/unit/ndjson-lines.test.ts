import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NdjsonLineError, ndjsonBatches } from '../../shared/stages/ndjson-lines';

/** Read a stream made of these chunks; every row and the summary. */
async function readAll(chunks: (string | Buffer)[]) {
  const reader = ndjsonBatches(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
  );
  const rows: unknown[] = [];
  for await (const batch of reader.batches) rows.push(...batch);
  return { rows, summary: reader.summary() };
}

describe('ndjsonBatches', () => {
  it('parses lines split anywhere across chunks, multi-byte characters included', async () => {
    // Prepare: a 4-byte emoji split between chunks
    const text = '{"a":"🚀"}\n{"a":"é"}\n';
    const bytes = Buffer.from(text);

    // Act
    const { rows, summary } = await readAll([
      bytes.subarray(0, 8),
      bytes.subarray(8, 15),
      bytes.subarray(15),
    ]);

    // Assess
    expect(rows).toEqual([{ a: '🚀' }, { a: 'é' }]);
    expect(summary).toEqual({
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      records: 2,
    });
  });

  it('reads the same rows however the stream is cut, lines spanning many chunks included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ s: fc.string({ unit: 'grapheme', maxLength: 30 }), n: fc.integer() }), {
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (objects, cuts) => {
          // Prepare: cut the bytes at arbitrary offsets (several cuts may fall in one line)
          const bytes = Buffer.from(objects.map((o) => `${JSON.stringify(o)}\n`).join(''));
          const at = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...at].map((start, i) => bytes.subarray(start, at[i] ?? bytes.byteLength));
          // Act
          const { rows, summary } = await readAll(chunks.filter((c) => c.byteLength > 0));
          // Assess
          expect(rows).toEqual(objects);
          expect(summary.bytes).toBe(bytes.byteLength);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('skips blank lines, accepts CRLF and a last line without a newline', async () => {
    const { rows, summary } = await readAll(['{"a":1}\r\n\n   \n{"a":2}\r\n{"a":3}']);
    expect(rows).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(summary.records).toBe(3);
  });

  it('names the line that is not JSON', async () => {
    const reading = readAll(['{"a":1}\n\n{"a":\n']);
    await expect(reading).rejects.toBeInstanceOf(NdjsonLineError);
    await expect(reading).rejects.toThrow('line 3 is not JSON');
  });

  it('has no summary before the stream is read to its end', () => {
    const reader = ndjsonBatches(Readable.from([Buffer.from('{}\n')]));
    expect(() => reader.summary()).toThrow(/before the stream was read/);
  });

  it('reads an empty stream as no rows', async () => {
    const { rows, summary } = await readAll([]);
    expect(rows).toEqual([]);
    expect(summary).toEqual({ bytes: 0, sha256: createHash('sha256').digest('hex'), records: 0 });
  });
});
