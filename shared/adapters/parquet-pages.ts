import type { DataReader, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { readVarInt } from 'hyparquet/src/thrift.js';
import { ByteWriter, type ParquetWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';

/**
 * DataPage V1 pages from hyparquet-writer's output. hyparquet-writer 0.17 writes DATA_PAGE_V2 data
 * pages only, which not every reader takes (consumers "that don't fully support DataPage V2 (e.g.
 * Snowflake)": apache/iceberg-go #800); arrow, parquet-java and DuckDB write V1 by default. A row
 * group it has just written is rewritten here page by page, without decoding or compressing again.
 *
 * A V2 data page is [header][rep levels][def levels][Snappy(values)]: RLE levels stored as they are,
 * their byte lengths in the header. A V1 data page is [header][Snappy(body)], body = [u32 length][rep
 * levels] [u32 length][def levels] [values], a level block only for a column that has such levels.
 * A raw Snappy stream is the uncompressed length (varint) then elements: literals, and copies whose
 * offset counts back from the current output position (google/snappy format_description.txt). So
 * Snappy(body) is varint(body length), one literal of the level blocks, then Snappy(values)'s
 * elements as they are: every copy still lands on the same bytes. Dictionary pages do not change.
 */

/** Row group metadata as hyparquet-writer keeps it until the footer (its own hyparquet's types). */
type RowGroup = ParquetWriter['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
type DataPageEncoding = NonNullable<Parameters<typeof writePageHeader>[1]['data_page_header']>['encoding'];

/** The levels a leaf column's pages carry: a flat OPTIONAL column has definition levels only. */
export interface ColumnLevels {
  definition: boolean;
  repetition: boolean;
}

/**
 * Rewrite a row group hyparquet-writer has just written (DATA_PAGE_V2 pages, Snappy) with DATA_PAGE
 * (v1) pages holding the same values, and point its metadata (in place: each chunk's page offsets,
 * sizes, encodings and encoding stats, the row group's sizes) at the rewritten bytes.
 * @param written the row group as written, from its first chunk's first page to its last chunk's end
 * @param start the file offset of `written[0]`: the rewritten row group goes in its place
 * @param levels per column chunk, in order: the levels its pages carry
 * @returns the rewritten row group, to write at `start` instead of `written`
 * @example
 * const v1 = rewriteDataPagesV1(written, start, writer.row_groups.at(-1)!, [{ definition: true, repetition: false }]);
 */
export function rewriteDataPagesV1(
  written: Uint8Array,
  start: number,
  group: RowGroup,
  levels: readonly ColumnLevels[],
): Uint8Array {
  if (group.columns.length !== levels.length)
    throw new Error(`parquet pages: ${group.columns.length} column chunks, levels for ${levels.length}`);
  // A V1 page can be a few bytes longer (level lengths, a literal's tag): room for that up front.
  const out = new ByteWriter(written.byteLength + 64 * group.columns.length + 1024);
  out.offset = start;
  const view = new DataView(written.buffer, written.byteOffset, written.byteLength);
  let uncompressed = 0n;
  group.columns.forEach((chunk, i) => {
    uncompressed += rewriteChunk(written, view, start, chunk, levels[i]!, out);
  });
  group.total_compressed_size = BigInt(out.offset - start);
  group.total_byte_size = uncompressed;
  return out.getBytes();
}

/** Rewrite one column chunk's pages onto `out`; its metadata updated. Its uncompressed size. */
function rewriteChunk(
  written: Uint8Array,
  view: DataView,
  start: number,
  chunk: ColumnChunk,
  levels: ColumnLevels,
  out: ByteWriter,
): bigint {
  const meta = chunk.meta_data;
  const name = meta?.path_in_schema.join('.');
  if (meta?.codec !== 'SNAPPY')
    throw new Error(`parquet pages: column ${name} is not Snappy compressed (${meta?.codec})`);
  const reader: DataReader = {
    view,
    offset: Number(meta.dictionary_page_offset ?? meta.data_page_offset) - start,
  };
  const end = reader.offset + Number(meta.total_compressed_size);
  const chunkStart = out.offset;
  let dataPageOffset: number | undefined;
  let uncompressed = 0;
  while (reader.offset < end) {
    const pageStart = reader.offset;
    const header = parquetHeader(reader);
    const bodyStart = reader.offset;
    reader.offset += header.compressed_page_size;
    const body = written.subarray(bodyStart, reader.offset);
    if (header.type === 'DICTIONARY_PAGE') {
      meta.dictionary_page_offset = BigInt(out.offset);
      uncompressed += bodyStart - pageStart + header.uncompressed_page_size;
      out.appendBytes(written.subarray(pageStart, reader.offset));
    } else if (header.type === 'DATA_PAGE_V2') {
      dataPageOffset ??= out.offset;
      uncompressed += writeDataPageV1(out, header, body, levels, name);
    } else {
      throw new Error(`parquet pages: column ${name} has a ${header.type} page`);
    }
  }
  if (reader.offset !== end || dataPageOffset === undefined)
    throw new Error(`parquet pages: column ${name}'s pages do not fill its chunk`);
  meta.data_page_offset = BigInt(dataPageOffset);
  meta.total_compressed_size = BigInt(out.offset - chunkStart);
  meta.total_uncompressed_size = BigInt(uncompressed);
  if ((levels.definition || levels.repetition) && !meta.encodings.includes('RLE')) meta.encodings.push('RLE');
  for (const stats of meta.encoding_stats ?? [])
    if (stats.page_type === 'DATA_PAGE_V2') stats.page_type = 'DATA_PAGE';
  chunk.file_offset = BigInt(chunkStart);
  return BigInt(uncompressed);
}

/** One V2 page (header parsed, `body` after it) as a V1 page on `out`; its uncompressed size with header. */
function writeDataPageV1(
  out: ByteWriter,
  header: PageHeader,
  body: Uint8Array,
  levels: ColumnLevels,
  name: string | undefined,
): number {
  const v2 = header.data_page_header_v2;
  if (!v2?.is_compressed) throw new Error(`parquet pages: column ${name} has an uncompressed V2 page`);
  const repetition = v2.repetition_levels_byte_length;
  const definition = v2.definition_levels_byte_length;
  if ((repetition > 0 && !levels.repetition) || (definition > 0 && !levels.definition))
    throw new Error(`parquet pages: column ${name} has levels its schema does not`);
  const values = body.subarray(repetition + definition);
  const preamble: DataReader = {
    view: new DataView(values.buffer, values.byteOffset, values.byteLength),
    offset: 0,
  };
  const valuesLength = readVarInt(preamble);
  if (valuesLength !== header.uncompressed_page_size - repetition - definition)
    throw new Error(`parquet pages: column ${name}'s values do not start with their Snappy length`);
  const elements = values.subarray(preamble.offset);

  const levelBytes = (levels.repetition ? 4 + repetition : 0) + (levels.definition ? 4 + definition : 0);
  const uncompressedSize = levelBytes + valuesLength;
  const literal = levelBytes > 0 ? literalTagLength(levelBytes) + levelBytes : 0;
  const headerStart = out.offset;
  writePageHeader(out, {
    type: 'DATA_PAGE',
    uncompressed_page_size: uncompressedSize,
    compressed_page_size: varIntLength(uncompressedSize) + literal + elements.byteLength,
    data_page_header: {
      num_values: v2.num_values,
      encoding: v2.encoding as DataPageEncoding,
      definition_level_encoding: 'RLE',
      repetition_level_encoding: 'RLE',
    },
  });
  const headerLength = out.offset - headerStart;
  out.appendVarInt(uncompressedSize);
  if (levelBytes > 0) {
    appendLiteralTag(out, levelBytes);
    if (levels.repetition) {
      out.appendUint32(repetition);
      out.appendBytes(body.subarray(0, repetition));
    }
    if (levels.definition) {
      out.appendUint32(definition);
      out.appendBytes(body.subarray(repetition, repetition + definition));
    }
  }
  out.appendBytes(elements);
  return headerLength + uncompressedSize;
}

/** Bytes of a varint (unsigned LEB128). */
function varIntLength(value: number): number {
  let length = 1;
  for (let rest = value >>> 7; rest > 0; rest >>>= 7) length += 1;
  return length;
}

/** Bytes of a Snappy literal's tag: one, plus 1-4 for the length when it is over 60. */
function literalTagLength(length: number): number {
  const n = length - 1;
  return n < 60 ? 1 : n < 1 << 8 ? 2 : n < 1 << 16 ? 3 : n < 1 << 24 ? 4 : 5;
}

/** A Snappy literal's tag (element type 00): length - 1 in the tag, or in the 1-4 bytes after it. */
function appendLiteralTag(out: ByteWriter, length: number): void {
  const n = length - 1;
  if (n < 60) {
    out.appendUint8(n << 2);
    return;
  }
  const bytes = literalTagLength(length) - 1;
  out.appendUint8((59 + bytes) << 2);
  for (let i = 0; i < bytes; i += 1) out.appendUint8((n >>> (8 * i)) & 0xff);
}
