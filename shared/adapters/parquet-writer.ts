import { parquetMetadata } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnKind, ColumnSpec } from '../domain/tables';
import { type ColumnLevels, rewriteDataPagesV1 } from './parquet-pages';

/**
 * Streaming Parquet through hyparquet-writer (pure JS, ~78 KB minified, no native addon, no wasm):
 * rows are buffered column by column for one row group, encoded, Snappy compressed, its pages
 * rewritten as DATA_PAGE v1 (parquet-pages.ts: hyparquet-writer writes V2 only, which Snowflake may
 * not read) and handed out as bytes; the footer comes last. Logical types: DECIMAL(p,s) on INT64,
 * DATE, TIMESTAMP(UTC, micros), INT32 and UTF8 strings. Chosen by measurement: bench/README.md.
 */

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type ColumnSource = Parameters<ParquetWriter['write']>[0]['columnData'][number];

/** A value that does not fit its column (wrong type, out of range, not a date): the row is corrupt. */
export class ParquetValueError extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`column ${column}: ${message}`);
    this.name = 'ParquetValueError';
  }
}

function schemaElement(column: ColumnSpec<never>): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (column.kind) {
    case 'string':
      return {
        name: column.name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        repetition_type,
      };
    case 'int32':
      // Plain INT32 (a signed 32-bit integer without annotation). No INTEGER logical type:
      // hyparquet-writer 0.17 serialises its bitWidth as i32 where the Thrift IDL says i8, and
      // strict readers (DuckDB) reject the footer.
      return { name: column.name, type: 'INT32', repetition_type };
    case 'decimal': {
      const precision = column.precision ?? 12;
      const scale = column.scale ?? 2;
      return {
        name: column.name,
        type: 'INT64',
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
        repetition_type,
      };
    }
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
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        repetition_type,
      };
  }
}

/** The Parquet schema of a table, root first. */
export function parquetSchema(columns: readonly ColumnSpec<never>[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
}

const DAY_MS = 86_400_000;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
/** ISO-8601 with a zone (Z or ±hh:mm): a timestamp without one is ambiguous, never guessed. */
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** One column of a row group being filled: physical values in a growable typed array or list. */
interface ColumnBuffer {
  /** The physical value of a cell; throws ParquetValueError when it does not fit the column. */
  convert(value: unknown): unknown;
  /** Append a value `convert` returned. */
  append(physical: unknown): void;
  /** The values so far, as hyparquet-writer takes them; the buffer is reset. */
  take(): ColumnSource['data'];
}

/** Distinct values a text column keeps to share (status, channel, batch id, source file...). */
const SHARED_TEXT_LIMIT = 4096;

class TextColumn implements ColumnBuffer {
  private values: (string | null)[] = [];
  /** Repeated values share one string instead of one copy per row (JSON.parse makes a new one each time). */
  private shared: Map<string, string> | undefined = new Map();
  constructor(private readonly spec: ColumnSpec<never>) {}
  convert(value: unknown): string | null {
    if (value === null || value === undefined) {
      if (!this.spec.nullable) throw new ParquetValueError(this.spec.name, 'is required');
      return null;
    }
    if (typeof value !== 'string')
      throw new ParquetValueError(this.spec.name, `expected text, got ${typeof value}`);
    if (!this.shared) return value;
    const known = this.shared.get(value);
    if (known !== undefined) return known;
    // A column with more distinct values than this is mostly unique (ids): stop looking.
    if (this.shared.size >= SHARED_TEXT_LIMIT) this.shared = undefined;
    else this.shared.set(value, value);
    return value;
  }
  append(physical: unknown): void {
    this.values.push(physical as string | null);
  }
  take() {
    const values = this.values;
    this.values = [];
    return values;
  }
}

/**
 * Fixed-width columns: INT32 (int, date) and INT64 (decimal, timestamp), in typed arrays; a
 * nullable one keeps a plain list, since typed arrays have no null.
 */
class NumberColumn implements ColumnBuffer {
  private int32: Int32Array;
  private int64: BigInt64Array;
  private list: (number | bigint | null)[] = [];
  private length = 0;
  private lastText: string | undefined;
  private lastValue = 0n;
  private readonly wide: boolean;
  private readonly limit: number;

  constructor(
    private readonly spec: ColumnSpec<never>,
    capacity: number,
  ) {
    this.wide = spec.kind === 'decimal' || spec.kind === 'timestamp';
    this.int32 = new Int32Array(this.wide || spec.nullable ? 0 : capacity);
    this.int64 = new BigInt64Array(this.wide && !spec.nullable ? capacity : 0);
    this.limit = spec.kind === 'decimal' ? 10 ** (spec.precision ?? 12) : 2 ** 31;
  }

  convert(value: unknown): number | bigint | null {
    if (value === null || value === undefined) {
      if (!this.spec.nullable) throw new ParquetValueError(this.spec.name, 'is required');
      return null;
    }
    return this.wide ? this.wideValue(value) : this.narrowValue(value);
  }

  append(physical: unknown): void {
    if (this.spec.nullable) {
      this.list.push(physical as number | bigint | null);
      return;
    }
    if (this.length === (this.wide ? this.int64.length : this.int32.length)) this.grow();
    if (this.wide) this.int64[this.length] = physical as bigint;
    else this.int32[this.length] = physical as number;
    this.length += 1;
  }

  take() {
    if (this.spec.nullable) {
      const list = this.list;
      this.list = [];
      return list as ColumnSource['data'];
    }
    const values = this.wide ? this.int64.slice(0, this.length) : this.int32.slice(0, this.length);
    this.length = 0;
    return values;
  }

  private grow(): void {
    const size = Math.max(1024, this.length * 2);
    if (this.wide) {
      const next = new BigInt64Array(size);
      next.set(this.int64);
      this.int64 = next;
    } else {
      const next = new Int32Array(size);
      next.set(this.int32);
      this.int32 = next;
    }
  }

  private narrowValue(value: unknown): number {
    const { name, kind } = this.spec;
    if (kind === 'date') {
      if (typeof value !== 'string' || !DATE_TEXT.test(value))
        throw new ParquetValueError(name, `expected YYYY-MM-DD, got ${JSON.stringify(value)}`);
      const ms = Date.parse(`${value}T00:00:00Z`);
      if (Number.isNaN(ms)) throw new ParquetValueError(name, `not a date: ${value}`);
      return ms / DAY_MS;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value >= this.limit || value < -this.limit)
      throw new ParquetValueError(name, `expected a 32-bit integer, got ${JSON.stringify(value)}`);
    return value;
  }

  private wideValue(value: unknown): bigint {
    const { name, kind } = this.spec;
    if (kind === 'decimal') {
      // Integer cents (or basis points) in, unscaled DECIMAL out: no float ever touches the amount.
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || Math.abs(value) >= this.limit)
        throw new ParquetValueError(
          name,
          `expected an integer amount within DECIMAL(${this.spec.precision},${this.spec.scale}), got ${JSON.stringify(value)}`,
        );
      return BigInt(value);
    }
    if (value === this.lastText) return this.lastValue;
    if (typeof value !== 'string' || !TIMESTAMP_TEXT.test(value))
      throw new ParquetValueError(
        name,
        `expected an ISO-8601 timestamp with a zone, got ${JSON.stringify(value)}`,
      );
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new ParquetValueError(name, `not a timestamp: ${value}`);
    this.lastText = value;
    this.lastValue = BigInt(ms) * 1000n + micros(value);
    return this.lastValue;
  }
}

/** Microseconds below the millisecond of an ISO timestamp (`.123456Z` -> 456): Date.parse stops at ms. */
function micros(text: string): bigint {
  const dot = text.indexOf('.');
  if (dot === -1) return 0n;
  let end = dot + 1;
  while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end += 1;
  const digits = text.slice(dot + 4, Math.min(end, dot + 7));
  return digits === '' ? 0n : BigInt(digits.padEnd(3, '0'));
}

/** Hands out what hyparquet-writer has encoded so far, reusing one growing buffer. */
class DrainingWriter extends ByteWriter {
  drain(): Uint8Array {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return bytes;
  }

  /** What was written since buffer index `index` (file offset `offset`), replaced with `bytes`. */
  replace(index: number, offset: number, bytes: Uint8Array): void {
    this.index = index;
    this.offset = offset;
    this.appendBytes(bytes);
  }
}

export interface ParquetStreamOptions {
  /** Written to the footer's `created_by`. */
  createdBy?: string;
  /** Initial capacity of each column buffer, in rows (they grow as needed). */
  capacity?: number;
}

/**
 * One Parquet file written as a stream: `add` rows, `flushRowGroup` to encode what is buffered as
 * one row group and get its bytes, `finish` for the last bytes (footer). Only the current row
 * group's rows and the footer's metadata are held; the caller decides when a row group is full.
 * @example
 * const file = new ParquetStreamWriter(ORDER_LINE_COLUMNS);
 * for (const row of rows) file.add(row);
 * out.write(file.flushRowGroup());
 * out.end(file.finish());
 */
export class ParquetStreamWriter<Row = never> {
  private readonly writer = new DrainingWriter(4096);
  private readonly parquet: ParquetWriter;
  private readonly buffers: ColumnBuffer[];
  private readonly columns: ColumnSpec<Row>[];
  private readonly levels: ColumnLevels[];
  private buffered = 0;
  private written = 0;
  private groups = 0;

  constructor(columns: readonly ColumnSpec<Row>[], options: ParquetStreamOptions = {}) {
    this.columns = [...columns];
    const specs = columns as unknown as ColumnSpec<never>[];
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: parquetSchema(specs),
      codec: 'SNAPPY',
      statistics: true,
      createdBy: options.createdBy ?? 'shop-pipeline convert (hyparquet-writer)',
    });
    this.levels = specs.map((spec) => ({ definition: spec.nullable, repetition: false }));
    const capacity = options.capacity ?? 4096;
    this.buffers = specs.map((spec) =>
      spec.kind === 'string' ? new TextColumn(spec) : new NumberColumn(spec, capacity),
    );
  }

  /** Buffer one row; throws ParquetValueError (nothing buffered) when a value does not fit its column. */
  add(row: Row): void {
    // Convert every value before appending any, so a bad row leaves the columns aligned.
    const physical = this.columns.map((column, i) => this.buffers[i]!.convert(column.value(row)));
    for (let i = 0; i < this.buffers.length; i += 1) this.buffers[i]!.append(physical[i]);
    this.buffered += 1;
  }

  /** Rows buffered for the next row group. */
  get bufferedRows(): number {
    return this.buffered;
  }

  /** Rows in flushed row groups. */
  get writtenRows(): number {
    return this.written;
  }

  /** Row groups flushed. */
  get rowGroups(): number {
    return this.groups;
  }

  /** Bytes handed out so far (the file's size once finished). */
  get bytes(): number {
    return this.writer.offset - this.writer.index;
  }

  /** Encode the buffered rows as one row group; the bytes to append to the file (the header first time). */
  flushRowGroup(): Uint8Array {
    if (this.buffered > 0) {
      const rows = this.buffered;
      // No offset index: without a column index beside it no reader skips pages by it, and its page
      // locations would point at the V2 pages the rewrite replaces.
      const columnData = this.columns.map((column, i) => ({
        name: column.name,
        data: this.buffers[i]!.take(),
        offsetIndex: false,
      })) as ColumnSource[];
      this.buffered = 0;
      const index = this.writer.index;
      const offset = this.writer.offset;
      void this.parquet.write({ columnData, rowGroupSize: rows });
      const encoded = this.writer.getBytes().subarray(index);
      const group = this.parquet.row_groups.at(-1)!;
      this.writer.replace(index, offset, rewriteDataPagesV1(encoded, offset, group, this.levels));
      this.written += rows;
      this.groups += 1;
    }
    return this.writer.drain();
  }

  /** Flush what is buffered, then the footer: the last bytes of the file. */
  finish(): Uint8Array {
    const last = this.flushRowGroup();
    void this.parquet.finish();
    const footer = this.writer.drain();
    const bytes = new Uint8Array(last.byteLength + footer.byteLength);
    bytes.set(last);
    bytes.set(footer, last.byteLength);
    return bytes;
  }
}

/** What a Parquet footer says: row count, column names and each column's type as a reader sees it. */
export interface ParquetFooter {
  rows: number;
  rowGroups: number;
  columns: { name: string; type: string; logicalType: string | undefined; required: boolean }[];
}

/**
 * Read a Parquet footer from the end of a file (`tail` may be the whole file or only its last
 * bytes, as long as it holds the footer and the trailing length + magic).
 */
export function readParquetFooter(tail: Uint8Array): ParquetFooter {
  const buffer = tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.byteLength) as ArrayBuffer;
  const metadata = parquetMetadata(buffer);
  return {
    rows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    columns: metadata.schema.slice(1).map((element) => ({
      name: element.name,
      type: element.type ?? 'GROUP',
      logicalType: logicalTypeName(element),
      required: element.repetition_type === 'REQUIRED',
    })),
  };
}

/** Bytes a footer read needs from the end of a file: footer length + 8 (length and `PAR1`). */
export function footerLength(lastEight: Uint8Array): number {
  const view = new DataView(lastEight.buffer, lastEight.byteOffset, lastEight.byteLength);
  if (view.getUint32(4, true) !== 0x31524150) throw new Error('not a Parquet file: no PAR1 at the end');
  return view.getUint32(0, true) + 8;
}

function logicalTypeName(element: {
  logical_type?: { type: string; [key: string]: unknown };
  converted_type?: string;
  precision?: number;
  scale?: number;
}): string | undefined {
  const logical = element.logical_type;
  if (!logical) return element.converted_type;
  switch (logical.type) {
    case 'DECIMAL':
      return `DECIMAL(${logical.precision},${logical.scale})`;
    case 'TIMESTAMP':
      return `TIMESTAMP(${logical.isAdjustedToUTC ? 'UTC' : 'LOCAL'},${logical.unit})`;
    case 'INTEGER':
      return `INT(${logical.bitWidth},${logical.isSigned ? 'signed' : 'unsigned'})`;
    default:
      return logical.type;
  }
}

/** The footer we expect for a table: what `readParquetFooter` must report for its files. */
export function expectedFooterColumns(columns: readonly ColumnSpec<never>[]): ParquetFooter['columns'] {
  return columns.map((column) => ({
    name: column.name,
    type: PHYSICAL[column.kind],
    logicalType: logicalTypeName(schemaElement(column) as Parameters<typeof logicalTypeName>[0]),
    required: !column.nullable,
  }));
}

const PHYSICAL: Record<ColumnKind, string> = {
  string: 'BYTE_ARRAY',
  int32: 'INT32',
  decimal: 'INT64',
  date: 'INT32',
  timestamp: 'INT64',
};
