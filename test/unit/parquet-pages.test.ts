import fc from 'fast-check';
import {
  type FileMetaData,
  type PageHeader,
  parquetMetadata,
  parquetReadObjects,
  snappyUncompress,
} from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { rewriteDataPagesV1 } from '../../shared/adapters/parquet-pages';
import { footerLength, ParquetStreamWriter, parquetSchema } from '../../shared/adapters/parquet-writer';
import type { ColumnSpec } from '../../shared/domain/tables';
import { col, duckParquet, type Row } from '../helpers/duck-parquet';

type ColumnChunk = FileMetaData['row_groups'][number]['columns'][number];
const COLUMNS: ColumnSpec<Row>[] = [
  col('id', 'string'),
  col('status', 'string', true),
  col('note', 'string', true),
  col('comment', 'string'),
  col('qty', 'int32'),
  col('line', 'int32', true),
  col('amount', 'decimal', false, { precision: 12, scale: 2 }),
  col('discount', 'decimal', true, { precision: 5, scale: 2 }),
  col('day', 'date'),
  col('happened_at', 'timestamp'),
  col('nothing', 'string', true),
];
const STATUSES = ['paid', 'refunded', '', 'café ☕', '注文 📦', null];
const DAY_MS = 86_400_000;
const BASE_MS = Date.UTC(2026, 10, 26);

/**
 * Row i of the fixture: unique ids and comments (plain pages; 300 characters make two pages a row
 * group), a few statuses and days (dictionary pages), nulls, empty and non-ASCII strings, negative
 * cents, microseconds.
 */
function rowAt(i: number): Row {
  return {
    id: `order-${String(i).padStart(6, '0')}`,
    status: STATUSES[i % STATUSES.length],
    note: i % 5 === 0 ? null : i % 7 === 0 ? '' : `note ${i} — ünïcødé ${'🙂'.repeat(i % 3)}`,
    comment: `${i}:`.padEnd(300, 'abcdefghij'),
    qty: (i % 9) + 1,
    line: i % 4 === 0 ? null : i,
    amount: ((i * 7919) % 2_000_000) - 1_000_000,
    discount: i % 3 === 0 ? null : i % 100,
    day: new Date(BASE_MS - (i % 7) * DAY_MS).toISOString().slice(0, 10),
    happened_at: new Date(BASE_MS + i * 1000)
      .toISOString()
      .replace('Z', `${String(i % 1000).padStart(3, '0')}Z`),
    nothing: null,
  };
}
const micros = (i: number) => String(BigInt(BASE_MS + i * 1000) * 1000n + BigInt(i % 1000));

/** Integer cents as DuckDB prints a DECIMAL(p,2). */
function cents(value: number | bigint): string {
  const n = BigInt(value);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

function writeFileOf(columns: ColumnSpec<Row>[], rows: Row[], rowGroupRows: number): Uint8Array {
  const writer = new ParquetStreamWriter(columns);
  const chunks: Uint8Array[] = [];
  for (const r of rows) {
    writer.add(r);
    if (writer.bufferedRows >= rowGroupRows) chunks.push(writer.flushRowGroup());
  }
  chunks.push(writer.finish());
  return Buffer.concat(chunks);
}

const arrayBuffer = (bytes: Uint8Array) =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

interface Page {
  offset: number;
  header: PageHeader;
  /** Header bytes. */
  headerLength: number;
  /** The page's body, decompressed. */
  body: Uint8Array;
}

/** Every page of a column chunk, read from where its metadata says it starts until its size runs out. */
function pagesOf(file: Uint8Array, chunk: ColumnChunk): { pages: Page[]; end: number } {
  const meta = chunk.meta_data!;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const reader = { view, offset: Number(meta.dictionary_page_offset ?? meta.data_page_offset) };
  const end = reader.offset + Number(meta.total_compressed_size);
  const pages: Page[] = [];
  while (reader.offset < end) {
    const offset = reader.offset;
    const header = parquetHeader(reader);
    const body = new Uint8Array(header.uncompressed_page_size);
    snappyUncompress(file.subarray(reader.offset, reader.offset + header.compressed_page_size), body);
    pages.push({ offset, header, headerLength: reader.offset - offset, body });
    reader.offset += header.compressed_page_size;
  }
  return { pages, end: reader.offset };
}

describe('DataPage V1 pages', () => {
  const read = duckParquet('parquet-pages');

  const rows = Array.from({ length: 9000 }, (_, i) => rowAt(i));
  const file = writeFileOf(COLUMNS, rows, 4000);

  it('writes only dictionary and DATA_PAGE (v1) pages, where each chunk and row group says they are', () => {
    // Prepare
    const metadata = parquetMetadata(arrayBuffer(file));
    const footerStart = file.byteLength - footerLength(file.subarray(-8));

    // Act
    const groups = metadata.row_groups.map((group) =>
      group.columns.map((chunk) => ({ chunk, ...pagesOf(file, chunk) })),
    );

    // Assess: chunk after chunk from the magic to the footer, each one's pages exactly in its range
    expect(groups.map((g) => g[0]!.chunk.meta_data!.num_values)).toEqual([4000n, 4000n, 1000n]);
    let expectedStart = 4;
    for (const [g, chunks] of groups.entries()) {
      const group = metadata.row_groups[g]!;
      for (const [c, { chunk, pages, end }] of chunks.entries()) {
        const meta = chunk.meta_data!;
        const spec = COLUMNS[c]!;
        const dictionary = pages.filter((p) => p.header.type === 'DICTIONARY_PAGE');
        const data = pages.filter((p) => p.header.type === 'DATA_PAGE');
        expect(pages[0]!.offset).toBe(expectedStart);
        expect(dictionary.length + data.length).toBe(pages.length);
        expect(dictionary.length).toBeLessThanOrEqual(1);
        if (dictionary.length) {
          expect(pages[0]!.header.type).toBe('DICTIONARY_PAGE');
          expect(meta.dictionary_page_offset).toBe(BigInt(pages[0]!.offset));
        } else {
          expect(meta.dictionary_page_offset).toBeUndefined();
        }
        expect(meta.data_page_offset).toBe(BigInt(data[0]!.offset));
        expect(meta.total_uncompressed_size).toBe(
          BigInt(pages.reduce((n, p) => n + p.headerLength + p.header.uncompressed_page_size, 0)),
        );
        expect(chunk.file_offset).toBe(BigInt(expectedStart));
        expect(chunk.offset_index_offset).toBeUndefined();
        expect(chunk.column_index_offset).toBeUndefined();
        expect(data.reduce((n, p) => n + p.header.data_page_header!.num_values, 0)).toBe(
          Number(meta.num_values),
        );
        for (const page of data) {
          expect(page.header.data_page_header).toMatchObject({
            definition_level_encoding: 'RLE',
            repetition_level_encoding: 'RLE',
          });
          // A nullable column's body starts with its definition levels' length, then the levels.
          if (spec.nullable) {
            const levels = new DataView(page.body.buffer).getUint32(0, true);
            expect(4 + levels).toBeLessThan(page.body.byteLength + 1);
          }
        }
        expect(meta.encoding_stats?.map((s) => s.page_type).sort()).toEqual(
          dictionary.length ? ['DATA_PAGE', 'DICTIONARY_PAGE'] : ['DATA_PAGE'],
        );
        expect(meta.encodings.includes('RLE')).toBe(spec.nullable);
        expectedStart = end;
      }
      const sizes = chunks.map(({ chunk }) => chunk.meta_data!);
      expect(group.total_compressed_size).toBe(sizes.reduce((n, m) => n + m.total_compressed_size, 0n));
      expect(group.total_byte_size).toBe(sizes.reduce((n, m) => n + m.total_uncompressed_size, 0n));
    }
    expect(expectedStart).toBe(footerStart);
    // The fixture holds what it is there for: dictionary and plain chunks, chunks of several pages.
    const all = groups.flat();
    expect(all.some((c) => c.pages[0]!.header.type === 'DICTIONARY_PAGE')).toBe(true);
    expect(all.some((c) => c.pages[0]!.header.type === 'DATA_PAGE')).toBe(true);
    expect(all.some((c) => c.pages.filter((p) => p.header.type === 'DATA_PAGE').length > 1)).toBe(true);
  });

  it('is read back by DuckDB with every value exact, the same column types and money to the cent', async () => {
    // Act
    const types = await read(file, 'DESCRIBE SELECT * FROM FILE');
    const back = await read(
      file,
      `SELECT id, status, note, comment, qty, line, amount::VARCHAR AS amount, discount::VARCHAR AS discount,
              day::VARCHAR AS day, epoch_us(happened_at)::VARCHAR AS happened_at, nothing FROM FILE ORDER BY id`,
    );
    const [sums] = await read(
      file,
      'SELECT COUNT(*)::INTEGER AS n, SUM(amount)::VARCHAR AS amount, SUM(discount)::VARCHAR AS discount FROM FILE',
    );

    // Assess
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'VARCHAR',
      status: 'VARCHAR',
      note: 'VARCHAR',
      comment: 'VARCHAR',
      qty: 'INTEGER',
      line: 'INTEGER',
      amount: 'DECIMAL(12,2)',
      discount: 'DECIMAL(5,2)',
      day: 'DATE',
      happened_at: 'TIMESTAMP WITH TIME ZONE',
      nothing: 'VARCHAR',
    });
    expect(back).toEqual(
      rows.map((r, i) => ({
        ...r,
        amount: cents(r.amount as number),
        discount: r.discount === null ? null : cents(r.discount as number),
        happened_at: micros(i),
      })),
    );
    expect(sums).toEqual({
      n: rows.length,
      amount: cents(rows.reduce((n, r) => n + (r.amount as number), 0)),
      discount: cents(rows.reduce((n, r) => n + ((r.discount as number | null) ?? 0), 0)),
    });
  });

  it('is read back by hyparquet, an independent reader, with the same rows', async () => {
    // Act
    const back = await parquetReadObjects({
      file: arrayBuffer(file),
      parsers: {
        timestampFromMicroseconds: (us: bigint) => String(us),
        dateFromDays: (days: number) => days,
      },
    });

    // Assess: decimals come back as numbers (cents / 100), dates as days since the epoch
    expect(
      back.map((r) => ({
        ...r,
        amount: Math.round((r.amount as number) * 100),
        discount: r.discount === null ? null : Math.round((r.discount as number) * 100),
        day: new Date((r.day as number) * DAY_MS).toISOString().slice(0, 10),
      })),
    ).toEqual(rows.map((r, i) => ({ ...r, happened_at: micros(i) })));
  });

  it('carries definition levels longer than 64 KiB in one page (a Snappy literal with a 3-byte length)', async () => {
    // Prepare: 600k rows, one in 8 set: one page (values under 1 MB), 75 KB of bit-packed levels
    const sparse = [col('sparse', 'int32', true)];
    const many = Array.from({ length: 600_000 }, (_, i) => ({ sparse: i % 8 === 3 ? i : null }));

    // Act
    const body = writeFileOf(sparse, many, many.length);

    // Assess
    const [chunk] = parquetMetadata(arrayBuffer(body)).row_groups[0]!.columns;
    const { pages } = pagesOf(body, chunk!);
    expect(pages.map((p) => p.header.type)).toEqual(['DATA_PAGE']);
    expect(new DataView(pages[0]!.body.buffer).getUint32(0, true)).toBeGreaterThan(65_536);
    const [duckSums] = await read(
      body,
      'SELECT COUNT(*)::INTEGER AS n, COUNT(sparse)::INTEGER AS set, SUM(sparse)::VARCHAR AS total FROM FILE',
    );
    const expected = many.reduce((n, r) => n + (r.sparse ?? 0), 0);
    expect(duckSums).toEqual({ n: 600_000, set: 75_000, total: String(expected) });
    const back = await parquetReadObjects({ file: arrayBuffer(body) });
    expect(back.reduce((n, r) => n + ((r.sparse as number | null) ?? 0), 0)).toBe(expected);
    expect(back.filter((r) => r.sparse === null)).toHaveLength(525_000);
  });

  it('round-trips any rows through hyparquet, whatever the nulls, strings and row group sizes', async () => {
    const columns = [col('text', 'string', true), col('n', 'int32', true), col('cents', 'decimal')];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            text: fc.option(fc.string({ unit: 'grapheme', maxLength: 12 })),
            n: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
            cents: fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 120 }),
        async (records, rowGroupRows) => {
          // Act
          const body = writeFileOf(columns, records, rowGroupRows);
          const back = await parquetReadObjects({ file: arrayBuffer(body) });

          // Assess
          expect(back.map((r) => ({ ...r, cents: Math.round((r.cents as number) * 100) }))).toEqual(records);
          const metadata = parquetMetadata(arrayBuffer(body));
          const types = metadata.row_groups.flatMap((g) =>
            g.columns.flatMap((c) => pagesOf(body, c).pages.map((p) => p.header.type)),
          );
          expect(types).not.toContain('DATA_PAGE_V2');
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses a row group whose pages are not Snappy compressed', () => {
    // Prepare
    const columns = [col('text', 'string', true)];
    const writer = new ByteWriter();
    const parquet = new ParquetWriter({
      writer,
      schema: parquetSchema(columns as ColumnSpec<never>[]),
      codec: 'UNCOMPRESSED',
    });
    void parquet.write({ columnData: [{ name: 'text', data: ['a', null] }] });

    // Act
    const rewrite = () =>
      rewriteDataPagesV1(writer.getBytes().subarray(4), 4, parquet.row_groups[0]!, [
        { definition: true, repetition: false },
      ]);

    // Assess
    expect(rewrite).toThrow('column text is not Snappy compressed (UNCOMPRESSED)');
  });
});
