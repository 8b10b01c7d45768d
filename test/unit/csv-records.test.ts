import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerNames, readCsvRecords } from '../../shared/adapters/csv-records';
import type { FileRecord } from '../../shared/domain/file-drop';

const FIXTURES = join(import.meta.dirname, '../fixtures/files');

/** The records of a CSV text, fed in the given chunks (whole by default). */
async function read(text: string | Buffer, chunkSizes: number[] = []): Promise<FileRecord[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  let at = 0;
  for (const size of chunkSizes) {
    if (at >= bytes.length) break;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length) chunks.push(bytes.subarray(at));
  const out: FileRecord[] = [];
  for await (const record of readCsvRecords(
    (async function* () {
      yield* chunks;
    })(),
  )) {
    out.push(record);
  }
  return out;
}

describe('readCsvRecords', () => {
  it.each<{ name: string; text: string; expected: FileRecord[] }>([
    {
      name: 'plain rows under a header',
      text: 'customer_id,city\n1,Lyon\n2,Paris\n',
      expected: [
        { line: 2, data: { customer_id: '1', city: 'Lyon' } },
        { line: 3, data: { customer_id: '2', city: 'Paris' } },
      ],
    },
    {
      name: 'a UTF-8 BOM before the header',
      text: '\ufeffcustomer_id,city\n1,Lyon\n',
      expected: [{ line: 2, data: { customer_id: '1', city: 'Lyon' } }],
    },
    {
      name: 'CRLF line ends',
      text: 'customer_id,city\r\n1,Lyon\r\n2,Paris\r\n',
      expected: [
        { line: 2, data: { customer_id: '1', city: 'Lyon' } },
        { line: 3, data: { customer_id: '2', city: 'Paris' } },
      ],
    },
    {
      name: 'quoted fields holding commas, doubled quotes and newlines (line numbers follow)',
      text: 'product_id,title\n1,"Laptop 14"", silver"\n2,"two\nlines"\n3,plain\n',
      expected: [
        { line: 2, data: { product_id: '1', title: 'Laptop 14", silver' } },
        { line: 3, data: { product_id: '2', title: 'two\nlines' } },
        { line: 5, data: { product_id: '3', title: 'plain' } },
      ],
    },
    {
      name: 'a quoted CRLF inside a CRLF file',
      text: 'product_id,title\r\n1,"a\r\nb"\r\n2,c\r\n',
      expected: [
        { line: 2, data: { product_id: '1', title: 'a\r\nb' } },
        { line: 4, data: { product_id: '2', title: 'c' } },
      ],
    },
    {
      name: 'blank lines, which are not records',
      text: 'customer_id,city\n\n1,Lyon\n\n\n2,Paris',
      expected: [
        { line: 3, data: { customer_id: '1', city: 'Lyon' } },
        { line: 6, data: { customer_id: '2', city: 'Paris' } },
      ],
    },
    {
      name: 'a row with too few and one with too many fields, kept as unparseable',
      text: 'customer_id,city\n1\n2,Lyon,extra\n3,Paris\n',
      expected: [
        { line: 2, unparseable: { raw_text: '1', error: '1 fields where the header has 2' } },
        { line: 3, unparseable: { raw_text: '2,Lyon,extra', error: '3 fields where the header has 2' } },
        { line: 4, data: { customer_id: '3', city: 'Paris' } },
      ],
    },
    {
      name: 'a quote that never closes: the rest of the file is one unparseable record',
      text: 'customer_id,city\n1,Lyon\n2,"Par\n3,is\n',
      expected: [
        { line: 2, data: { customer_id: '1', city: 'Lyon' } },
        {
          line: 3,
          unparseable: {
            raw_text: '2,"Par\n3,is',
            error: expect.stringMatching(/^not CSV: Quote Not Closed/) as unknown as string,
          },
        },
      ],
    },
    {
      name: 'stray quotes inside an unquoted field, read as text',
      text: 'product_id,title\n1,14" screen\n',
      expected: [{ line: 2, data: { product_id: '1', title: '14" screen' } }],
    },
    { name: 'an empty file', text: '', expected: [] },
    { name: 'a BOM and nothing else', text: '\ufeff', expected: [] },
    { name: 'a header and no rows', text: 'customer_id,city\r\n', expected: [] },
  ])('reads $name', async ({ text, expected }) => {
    // Act
    const records = await read(text);
    // Assess
    expect(records).toEqual(expected);
  });

  it('reads the BOM + CRLF + quoted-newline fixture a spreadsheet export looks like', async () => {
    // Prepare
    const bytes = await readFile(join(FIXTURES, 'customers-excel.csv'));
    // Act
    const records = await read(bytes);
    // Assess
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(records.map((r) => r.line)).toEqual([2, 3, 5, 6]);
    expect(records[0]).toEqual({
      line: 2,
      data: {
        customer_id: 'C0001',
        first_name: 'Ada',
        last_name: "O'Brien",
        email: 'ada@example.com',
        city: 'Lyon',
        state: 'Auvergne-Rhône-Alpes',
        country: 'France',
        postal_code: '69001',
      },
    });
    expect(records[1]?.data?.city).toBe('Paris,\r\n8e arrondissement');
    expect(records[2]?.unparseable?.error).toBe('3 fields where the header has 8');
    expect(records[3]?.data?.last_name).toBe('Müller');
  });

  it('normalises header names and names blank or repeated columns', () => {
    // Act + Assess
    expect(headerNames([' Customer ID ', 'first-name', '', 'city', 'CITY'])).toEqual([
      'customer_id',
      'first_name',
      'column_3',
      'city',
      'city_2',
    ]);
  });

  it('gives the same records however the bytes are split into chunks', async () => {
    // Prepare: a file with every feature, and any split of its bytes (UTF-8 characters included)
    const text =
      '\ufeffid,name,note\r\n1,"Ana, María","two\r\nlines"\r\n\r\n2,Zoë,"say ""hi"""\r\n3,short\r\n4,x,"y"\r\n';
    const whole = await read(text);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 60 }), async (sizes) => {
        expect(await read(text, sizes)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
    expect(whole.map((r) => r.line)).toEqual([2, 5, 6, 7]);
    expect(whole[2]?.unparseable?.raw_text).toBe('3,short');
  });

  it('never drops or invents a row: every data line comes out once, parsed or unparseable', async () => {
    // Prepare: random rows of random fields, some with the wrong field count
    const encode = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const row = fc
      .array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 })
      .filter((fields) => fields.some((f) => f.trim() !== ''));

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), fc.boolean(), async (rows, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = ['a,b,c', ...rows.map((fields) => fields.map(encode).join(','))].join(eol) + eol;
        const records = await read(text);
        expect(records).toHaveLength(rows.length);
        records.forEach((record, index) => {
          expect(record.data !== undefined).toBe(rows[index]!.length === 3);
        });
      }),
      { numRuns: 150 },
    );
  });
});
