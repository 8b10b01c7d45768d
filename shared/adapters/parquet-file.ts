import { parquetMetadata } from 'hyparquet';
import { ByteWriter, parquetWrite } from 'hyparquet-writer';
import type { ColumnSpec } from '../domain/tables';

/**
 * Parquet files through hyparquet-writer (pure JS, small bundle, no native addon): Snappy
 * compressed, with real logical types: DECIMAL(p,s) on INT64, DATE, TIMESTAMP(UTC, micros).
 */

type SchemaElement = NonNullable<Parameters<typeof parquetWrite>[0]['schema']>[number];

function schemaElement(column: ColumnSpec<never>): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (column.kind) {
    case 'string':
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'int32':
      return { name: column.name, type: 'INT32', repetition_type };
    case 'decimal':
      return {
        name: column.name,
        type: 'INT64',
        converted_type: 'DECIMAL',
        precision: column.precision,
        scale: column.scale,
        logical_type: { type: 'DECIMAL', precision: column.precision ?? 12, scale: column.scale ?? 2 },
        repetition_type,
      };
    case 'date':
      return {
        name: column.name,
        type: 'INT32',
        converted_type: 'DATE',
        logical_type: { type: 'DATE' },
        repetition_type,
      };
    case 'timestamp':
      return {
        name: column.name,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        repetition_type,
      };
  }
}

const DAY_MS = 86_400_000;

/** The physical value of one cell: bigint for INT64 columns, day number for DATE. */
function physical(kind: ColumnSpec<never>['kind'], value: string | number | null): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'decimal':
      return BigInt(value);
    case 'date':
      return Math.floor(Date.parse(`${value}T00:00:00Z`) / DAY_MS);
    case 'timestamp':
      return BigInt(Date.parse(String(value))) * 1000n;
    default:
      return value;
  }
}

/** Write rows as one Snappy Parquet file in memory. */
export function writeParquet<Row>(
  columns: ColumnSpec<Row>[],
  rows: readonly Row[],
  rowGroupSize = 100_000,
): Uint8Array {
  const specs = columns as unknown as ColumnSpec<never>[];
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    codec: 'SNAPPY',
    rowGroupSize,
    schema: [{ name: 'root', num_children: specs.length }, ...specs.map(schemaElement)],
    columnData: specs.map((column, index) => ({
      name: column.name,
      data: rows.map((row) => physical(column.kind, (columns[index] as ColumnSpec<Row>).value(row))),
    })) as Parameters<typeof parquetWrite>[0]['columnData'],
  });
  return new Uint8Array(writer.getBuffer());
}

/** Row count and column names read back from a Parquet footer. */
export function readParquetFooter(body: Uint8Array): { rows: number; columns: string[] } {
  const buffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  return {
    rows: Number(metadata.num_rows),
    columns: metadata.schema.slice(1).map((element) => element.name),
  };
}
