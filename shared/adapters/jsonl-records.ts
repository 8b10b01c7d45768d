import { StringDecoder } from 'node:string_decoder';
import { decodeSlices, type FileRecord, KEPT_RAW_BYTES, MAX_RECORD_BYTES } from '../domain/file-drop';

/**
 * The records of a JSON Lines stream, one JSON object a line, read in constant memory. A line that
 * is not a JSON object (truncated, malformed, an array, longer than 1 MiB) is yielded as unparseable
 * with its text and line number, never dropped. Blank lines are not records. A UTF-8 BOM and CRLF
 * line ends are accepted.
 * @example for await (const record of readJsonlRecords(stream)) console.log(record.line, record.data);
 */
export async function* readJsonlRecords(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<FileRecord> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  /** Head of a line that outgrew MAX_RECORD_BYTES; the rest of it is skipped up to its newline. */
  let overflow: string | undefined;
  let line = 1;
  let first = true;

  const finish = (text: string): FileRecord | undefined => {
    let content = text;
    if (first) {
      first = false;
      if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    }
    if (overflow === undefined && content.length > MAX_RECORD_BYTES)
      overflow = content.slice(0, KEPT_RAW_BYTES);
    if (overflow !== undefined) {
      const head = overflow;
      overflow = undefined;
      return {
        line,
        unparseable: { raw_text: head, error: `line is longer than ${MAX_RECORD_BYTES} characters` },
      };
    }
    if (content.endsWith('\r')) content = content.slice(0, -1);
    return content.trim() === '' ? undefined : parseLine(content, line);
  };

  for await (const chunk of chunks) {
    for (const slice of decodeSlices(chunk)) {
      const text = carry + decoder.write(slice as Buffer);
      let start = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
        const record = finish(text.slice(start, newline));
        if (record) yield record;
        line += 1;
        start = newline + 1;
      }
      carry = text.slice(start);
      if (overflow !== undefined) {
        carry = '';
      } else if (carry.length > MAX_RECORD_BYTES) {
        overflow = carry.slice(0, KEPT_RAW_BYTES);
        carry = '';
      }
    }
  }
  const rest = carry + decoder.end();
  if (rest !== '' || overflow !== undefined) {
    const record = finish(rest);
    if (record) yield record;
  }
}

/** One line's JSON object, or the line marked unparseable with the parser's reason. */
export function parseLine(text: string, line: number): FileRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { line, unparseable: { raw_text: text, error: `not JSON: ${(error as Error).message}` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, unparseable: { raw_text: text, error: 'not a JSON object' } };
  }
  return { line, data: value as Record<string, unknown>, json: text };
}
