import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import {
  type Data,
  DateDay,
  Decimal,
  Field,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  tableToIPC,
  Utf8,
} from 'apache-arrow';
import * as wasm from 'parquet-wasm';
import type { ColumnSpec } from '../../shared/domain/tables';
import { ORDER_LINE_COLUMNS } from '../../shared/domain/tables';
import type { OrderLine } from '../../shared/domain/types';
import { ndjsonBatches } from '../../shared/stages/ndjson-lines';

/**
 * Candidate: parquet-wasm (arrow-rs compiled to wasm) fed Arrow record batches built column by column
 * with apache-arrow, streamed through transformParquetStream (Parquet writer version 1: DATA_PAGE v1).
 */
const DAY_MS = 86_400_000;
const encoder = new TextEncoder();

function arrowType(column: ColumnSpec<OrderLine>) {
  switch (column.kind) {
    case 'string':
      return new Utf8();
    case 'int32':
      return new Int32();
    case 'decimal':
      return new Decimal(column.scale ?? 2, column.precision ?? 12, 128);
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond('UTC');
  }
}

function columnData(column: ColumnSpec<OrderLine>, rows: OrderLine[]): Data {
  const type = arrowType(column);
  const length = rows.length;
  switch (column.kind) {
    case 'string': {
      const offsets = new Int32Array(length + 1);
      let bytes = new Uint8Array(length * 16);
      let at = 0;
      const nulls = new Uint8Array((length + 7) >> 3);
      let nullCount = 0;
      for (let i = 0; i < length; i += 1) {
        const value = column.value(rows[i]!) as string | null;
        if (value === null) nullCount += 1;
        else {
          nulls[i >> 3]! |= 1 << (i & 7);
          if (at + value.length * 3 > bytes.length) {
            const next = new Uint8Array(Math.max(bytes.length * 2, at + value.length * 3));
            next.set(bytes);
            bytes = next;
          }
          at += encoder.encodeInto(value, bytes.subarray(at)).written;
        }
        offsets[i + 1] = at;
      }
      return makeData({
        type,
        length,
        nullCount,
        nullBitmap: nullCount ? nulls : null,
        valueOffsets: offsets,
        data: bytes.subarray(0, at),
      } as never);
    }
    case 'int32':
      return makeData({
        type,
        length,
        data: Int32Array.from(rows, (r) => column.value(r) as number),
      } as never);
    case 'date':
      return makeData({
        type,
        length,
        data: Int32Array.from(rows, (r) => Date.parse(`${column.value(r)}T00:00:00Z`) / DAY_MS),
      } as never);
    case 'timestamp':
      return makeData({
        type,
        length,
        data: BigInt64Array.from(rows, (r) => BigInt(Date.parse(column.value(r) as string)) * 1000n),
      } as never);
    case 'decimal': {
      const words = new Int32Array(length * 4);
      for (let i = 0; i < length; i += 1) {
        const v = column.value(rows[i]!) as number;
        const hi = Math.floor(v / 4294967296);
        words[i * 4] = v - hi * 4294967296;
        words[i * 4 + 1] = hi;
        words[i * 4 + 2] = v < 0 ? -1 : 0;
        words[i * 4 + 3] = v < 0 ? -1 : 0;
      }
      return makeData({ type, length, data: new Uint32Array(words.buffer) } as never);
    }
  }
}

export async function writeWithParquetWasm(
  input: string,
  output: string,
  rowGroupRows: number,
): Promise<number> {
  const columns = ORDER_LINE_COLUMNS;
  const schema = new Schema(columns.map((c) => new Field(c.name, arrowType(c), c.nullable)));
  const props = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.SNAPPY)
    .setWriterVersion(wasm.WriterVersion.V1)
    .setMaxRowGroupSize(rowGroupRows)
    .build();
  // Backpressure: push the next record batch only once the transform has asked for more.
  let push!: (batch: unknown) => void;
  let close!: () => void;
  let demand: (() => void) | undefined;
  let pulled = true;
  const batches = new ReadableStream(
    {
      start(controller) {
        push = (batch) => controller.enqueue(batch);
        close = () => controller.close();
      },
      pull() {
        if (demand) {
          demand();
          demand = undefined;
        } else pulled = true;
      },
    },
    { highWaterMark: 1 },
  );
  const wanted = (): Promise<void> => {
    if (pulled) {
      pulled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      demand = resolve;
    });
  };
  const out = createWriteStream(output);
  // The transform resolves once it has seen the first batch (its schema): do not await it before pushing.
  const parquet = wasm.transformParquetStream(batches, props);
  const drained = (async () => {
    for await (const chunk of (await parquet) as unknown as AsyncIterable<Uint8Array>) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
  })();
  let rows: OrderLine[] = [];
  let total = 0;
  const flush = () => {
    const data = makeData({
      type: new Struct(schema.fields),
      length: rows.length,
      children: columns.map((c) => columnData(c, rows)),
    } as never);
    const ipc = tableToIPC(new Table([new RecordBatch(schema, data as never)]), 'stream');
    for (const batch of wasm.Table.fromIPCStream(ipc).recordBatches()) push(batch);
    total += rows.length;
    rows = [];
  };
  const reader = ndjsonBatches(createReadStream(input, { highWaterMark: 1 << 16 }));
  for await (const batch of reader.batches) {
    for (const row of batch) {
      rows.push(row as OrderLine);
      if (rows.length >= rowGroupRows) {
        await wanted();
        flush();
      }
    }
  }
  if (rows.length) flush();
  close();
  await drained;
  return total;
}
