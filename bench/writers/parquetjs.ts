import { createReadStream, createWriteStream } from 'node:fs';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import type { ColumnSpec } from '../../shared/domain/tables';
import { ORDER_LINE_COLUMNS } from '../../shared/domain/tables';
import type { OrderLine } from '../../shared/domain/types';
import { ndjsonBatches } from '../../shared/stages/ndjson-lines';

/** Candidate: @dsnp/parquetjs, row by row (appendRow), DATA_PAGE v1, Snappy per column. */
const DAY_MS = 86_400_000;

function field(column: ColumnSpec<OrderLine>) {
  const base = { optional: column.nullable, compression: 'SNAPPY' as const };
  switch (column.kind) {
    case 'string':
      return { ...base, type: 'UTF8' as const };
    case 'int32':
      return { ...base, type: 'INT32' as const };
    case 'decimal':
      return {
        ...base,
        type: 'DECIMAL' as const,
        precision: column.precision ?? 12,
        scale: column.scale ?? 2,
      };
    case 'date':
      return { ...base, type: 'DATE' as const };
    case 'timestamp':
      return { ...base, type: 'TIMESTAMP_MICROS' as const };
  }
}

function physical(column: ColumnSpec<OrderLine>, row: OrderLine): unknown {
  const value = column.value(row);
  if (value === null) return undefined;
  switch (column.kind) {
    case 'decimal':
      // parquetjs scales a JS number itself: BigInt(Math.floor(value * 10 ** scale)) (float math).
      return (value as number) / 10 ** (column.scale ?? 2);
    case 'date':
      return Date.parse(`${value}T00:00:00Z`) / DAY_MS;
    case 'timestamp':
      return BigInt(Date.parse(String(value))) * 1000n;
    default:
      return value;
  }
}

export async function writeWithParquetjs(
  input: string,
  output: string,
  rowGroupRows: number,
): Promise<number> {
  const columns = ORDER_LINE_COLUMNS;
  const schema = new ParquetSchema(Object.fromEntries(columns.map((c) => [c.name, field(c)])) as never);
  const writer = await ParquetWriter.openStream(schema, createWriteStream(output), {
    rowGroupSize: rowGroupRows,
    useDataPageV2: false,
  } as never);
  let rows = 0;
  const reader = ndjsonBatches(createReadStream(input, { highWaterMark: 1 << 16 }));
  for await (const batch of reader.batches) {
    for (const line of batch) {
      const row: Record<string, unknown> = {};
      for (const column of columns) {
        const value = physical(column, line as OrderLine);
        if (value !== undefined) row[column.name] = value;
      }
      await writer.appendRow(row);
      rows += 1;
    }
  }
  await writer.close();
  return rows;
}
