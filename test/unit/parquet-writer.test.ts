import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import {
  expectedFooterColumns,
  footerLength,
  ParquetStreamWriter,
  ParquetValueError,
  readParquetFooter,
} from '../../shared/adapters/parquet-writer';
import type { ColumnSpec } from '../../shared/domain/tables';
import { col, duckParquet, type Row } from '../helpers/duck-parquet';

const COLUMNS: ColumnSpec<Row>[] = [
  col('id', 'string'),
  col('note', 'string', true),
  col('qty', 'int32'),
  col('line', 'int32', true),
  col('amount', 'decimal', false, { precision: 12, scale: 2 }),
  col('day', 'date'),
  col('happened_at', 'timestamp'),
];
const row = (extra: Row = {}): Row => ({
  id: 'a',
  note: null,
  qty: 1,
  line: null,
  amount: 1999,
  day: '2026-11-26',
  happened_at: '2026-11-26T03:00:00.000Z',
  ...extra,
});

/** A whole file from the streaming writer: every row group's bytes, then the footer. */
function writeFileOf(rows: Row[], rowGroupRows: number): { body: Uint8Array; groups: number } {
  const writer = new ParquetStreamWriter(COLUMNS);
  const chunks: Uint8Array[] = [];
  for (const r of rows) {
    writer.add(r);
    if (writer.bufferedRows >= rowGroupRows) chunks.push(writer.flushRowGroup());
  }
  chunks.push(writer.finish());
  return { body: Buffer.concat(chunks), groups: writer.rowGroups };
}

describe('ParquetStreamWriter', () => {
  const read = duckParquet('parquet-writer');

  it('streams row groups that DuckDB reads back with their logical types and values', async () => {
    // Prepare
    const rows = Array.from({ length: 2500 }, (_, i) =>
      row({
        id: `id-${i}`,
        qty: i,
        amount: i * 101 - 5000,
        line: i % 3 ? i : null,
        happened_at: `2026-11-26T03:00:00.${String(i % 1000).padStart(3, '0')}123Z`,
      }),
    );

    // Act
    const { body, groups } = writeFileOf(rows, 1000);

    // Assess
    expect(groups).toBe(3);
    const types = await read(body, 'DESCRIBE SELECT * FROM FILE');
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'VARCHAR',
      note: 'VARCHAR',
      qty: 'INTEGER',
      line: 'INTEGER',
      amount: 'DECIMAL(12,2)',
      day: 'DATE',
      happened_at: 'TIMESTAMP WITH TIME ZONE',
    });
    const [sums] = await read(
      body,
      'SELECT COUNT(*)::INTEGER AS n, SUM(amount)::VARCHAR AS amount, COUNT(line)::INTEGER AS lines, MAX(epoch_us(happened_at))::VARCHAR AS us FROM FILE',
    );
    const cents = rows.reduce((s, r) => s + (r.amount as number), 0);
    expect(sums).toEqual({
      n: 2500,
      amount: (cents / 100).toFixed(2),
      lines: rows.filter((r) => r.line !== null).length,
      us: String(Date.parse('2026-11-26T03:00:00.999Z') * 1000 + 123),
    });
  });

  it('reads its own footer back: rows, row groups, and each column as the warehouse needs it', () => {
    // Prepare
    const { body } = writeFileOf([row(), row({ id: 'b' })], 1);

    // Act
    const footer = readParquetFooter(body.subarray(body.byteLength - footerLength(body.subarray(-8))));

    // Assess
    expect(footer.rows).toBe(2);
    expect(footer.rowGroups).toBe(2);
    expect(footer.columns).toEqual(expectedFooterColumns(COLUMNS as ColumnSpec<never>[]));
    expect(footer.columns.find((c) => c.name === 'amount')).toEqual({
      name: 'amount',
      type: 'INT64',
      logicalType: 'DECIMAL(12,2)',
      required: true,
    });
    expect(footer.columns.find((c) => c.name === 'happened_at')?.logicalType).toBe('TIMESTAMP(UTC,MICROS)');
  });

  it('compresses with Snappy and writes DATA_PAGE (v1) pages, not the V2 pages hyparquet-writer makes', async () => {
    // Prepare
    const { body } = writeFileOf([row()], 10);

    // Act
    const codecs = await read(body, 'SELECT DISTINCT compression FROM parquet_metadata(PATH)');
    const metadata = parquetMetadata(
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    );

    // Assess: V1, as Snowflake reads (parquet-pages.ts; every page is walked in parquet-pages.test.ts)
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    const pageTypes = metadata.row_groups.flatMap((g) =>
      g.columns.flatMap((c) => (c.meta_data?.encoding_stats ?? []).map((s) => s.page_type)),
    );
    expect(pageTypes).toContain('DATA_PAGE');
    expect(pageTypes).not.toContain('DATA_PAGE_V2');
  });

  it.each([
    ['text where a number belongs', { qty: '1' }, 'column qty: expected a 32-bit integer'],
    ['a number beyond 32 bits', { qty: 2 ** 31 }, 'column qty: expected a 32-bit integer'],
    ['a float amount', { amount: 19.99 }, 'column amount: expected an integer amount'],
    ['an amount of 13 digits', { amount: 1e12 }, 'column amount: expected an integer amount'],
    ['a null in a required column', { id: null }, 'column id: is required'],
    ['a date in another format', { day: '26/11/2026' }, 'column day: expected YYYY-MM-DD'],
    [
      'a timestamp without a zone',
      { happened_at: '2026-11-26 03:00:00' },
      'column happened_at: expected an ISO-8601 timestamp',
    ],
    ['a number where text belongs', { id: 7 }, 'column id: expected text'],
  ])('refuses %s and keeps the columns aligned', (_, change, message) => {
    // Prepare
    const writer = new ParquetStreamWriter(COLUMNS);
    writer.add(row());

    // Act
    const add = () => writer.add(row(change));

    // Assess: the bad row is not half-buffered; the file still writes
    expect(add).toThrow(ParquetValueError);
    expect(add).toThrow(message);
    expect(writer.bufferedRows).toBe(1);
    writer.add(row({ id: 'z' }));
    const body = Buffer.concat([writer.finish()]);
    expect(readParquetFooter(body).rows).toBe(2);
  });

  it('reports the bytes handed out, which is the file size once finished', () => {
    // Prepare
    const writer = new ParquetStreamWriter(COLUMNS);
    writer.add(row());

    // Act
    const first = writer.flushRowGroup();
    const last = writer.finish();

    // Assess
    expect(writer.bytes).toBe(first.byteLength + last.byteLength);
    expect(Buffer.from(first.subarray(0, 4)).toString()).toBe('PAR1');
    expect(Buffer.from(last.subarray(-4)).toString()).toBe('PAR1');
  });

  it('refuses a tail that is not Parquet', () => {
    expect(() => footerLength(new Uint8Array(8))).toThrow(/not a Parquet file/);
  });
});
