import { pipeline, Readable } from 'node:stream';
import { type CsvError, type Parser, parse } from 'csv-parse';
import { type FileRecord, KEPT_RAW_BYTES } from '../domain/file-drop';

/** What the parser yields, in file order: a parsed record with its text, or one it had to skip. */
type Parsed = { record: string[]; raw: string; skipped?: undefined } | { skipped: CsvError; raw: string };

/**
 * The rows of a CSV stream with a header row, as objects keyed by the header's normalised names
 * (trimmed, lower case, `_` for spaces and dashes). Streaming (csv-parse), so memory stays flat.
 * Accepts a UTF-8 BOM, CRLF or LF line ends, and quoted fields holding commas, quotes and newlines.
 * A row that cannot be read (its field count differs from the header's, or a quote never closes) is
 * yielded as unparseable with its text and first line; blank lines are not records.
 * @example for await (const row of readCsvRecords(stream)) console.log(row.line, row.data?.customer_id);
 */
export async function* readCsvRecords(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<FileRecord> {
  const parser: Parser = parse({
    bom: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    // Skipped records go down the same stream as parsed ones, so the file order (and the line
    // count) is kept.
    on_skip: (error, raw) => {
      if (error) parser.push({ skipped: error, raw: raw ?? '' } satisfies Parsed);
      return undefined;
    },
  });
  pipeline(Readable.from(chunks, { objectMode: false }), parser, () => {
    // Errors reach the consumer through the parser's iterator.
  });

  let header: string[] | undefined;
  let line = 1;
  for await (const item of parser as AsyncIterable<Parsed>) {
    const startLine = line;
    line += lineBreaks(item.raw);
    if (item.skipped) {
      yield unparseable(startLine, item.raw, `not CSV: ${item.skipped.message}`);
      continue;
    }
    if (item.record.every((field) => field.trim() === '')) continue;
    if (!header) {
      header = headerNames(item.record);
      continue;
    }
    if (item.record.length !== header.length) {
      yield unparseable(
        startLine,
        item.raw,
        `${item.record.length} fields where the header has ${header.length}`,
      );
      continue;
    }
    const data: Record<string, unknown> = {};
    header.forEach((name, index) => {
      data[name] = item.record[index];
    });
    yield { line: startLine, data };
  }
}

/** Header names normalised (`Customer ID` -> `customer_id`); blank ones become `column_N`, repeats `name_2`. */
export function headerNames(fields: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((field, index) => {
    const name =
      field
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_') || `column_${index + 1}`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}

function unparseable(line: number, raw: string, error: string): FileRecord {
  const text = raw.replace(/(?:\r\n|\r|\n)$/, '');
  return { line, unparseable: { raw_text: text.slice(0, KEPT_RAW_BYTES), error } };
}

/** Line breaks in a record's text (CRLF, LF and CR count one each). */
function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) count += 1;
    else if (c === 0x0d) {
      count += 1;
      if (text.charCodeAt(i + 1) === 0x0a) i += 1;
    }
  }
  return count;
}
