import { StringDecoder } from 'node:string_decoder';
import { decodeSlices, type FileRecord, KEPT_RAW_BYTES, MAX_RECORD_BYTES } from '../domain/file-drop';
import { parseLine } from './jsonl-records';

/**
 * The elements of one JSON array (`[{...}, {...}]`), read in constant memory: a scanner splits the
 * stream at the array's top-level commas and each element is parsed on its own. An element that is
 * not a JSON object (malformed, cut short by a truncated file, longer than 1 MiB) is yielded as
 * unparseable with its text and the line it starts on. A document that is not an array, and text
 * after the closing bracket, become one unparseable record each: nothing is silently dropped.
 * @example for await (const record of readJsonArrayRecords(stream)) console.log(record.line, record.data);
 */
export async function* readJsonArrayRecords(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<FileRecord> {
  const decoder = new StringDecoder('utf8');
  let state: 'start' | 'between' | 'element' | 'after' | 'invalid' = 'start';
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The element (or invalid/trailing text) being collected, its length and its first line. */
  let parts: string[] = [];
  let length = 0;
  let overflow = false;
  let startLine = 1;
  let first = true;
  /** Non-blank text was seen after the closing bracket. */
  let trailing = false;

  const collect = (piece: string) => {
    if (piece === '' || overflow) return;
    if (length + piece.length > MAX_RECORD_BYTES) {
      overflow = true;
      parts = [parts.join('').concat(piece).slice(0, KEPT_RAW_BYTES)];
      return;
    }
    parts.push(piece);
    length += piece.length;
  };
  const take = (): FileRecord | undefined => {
    const text = parts.join('');
    const wasOverflow = overflow;
    parts = [];
    length = 0;
    overflow = false;
    if (wasOverflow) {
      return {
        line: startLine,
        unparseable: { raw_text: text, error: `element is longer than ${MAX_RECORD_BYTES} characters` },
      };
    }
    const trimmed = text.trim();
    return trimmed === '' ? undefined : parseLine(trimmed, startLine);
  };
  const unparseable = (error: string): FileRecord | undefined => {
    const text = parts.join('').trim();
    parts = [];
    length = 0;
    overflow = false;
    return text === '' ? undefined : { line: startLine, unparseable: { raw_text: text, error } };
  };

  for await (const chunk of chunks) {
    for (const slice of decodeSlices(chunk)) {
      let text = decoder.write(slice as Buffer);
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      /** Start of the current element's text within this chunk, when one is being collected. */
      let from = state === 'element' || state === 'invalid' || state === 'after' ? 0 : -1;
      for (let i = 0; i < text.length; i += 1) {
        const c = text.charCodeAt(i);
        if (c === 0x0a) line += 1;
        if (state === 'element') {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 0x5c) escaped = true;
            else if (c === 0x22) inString = false;
            continue;
          }
          if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) depth += 1;
          else if (c === 0x7d || c === 0x5d) {
            if (depth > 0) depth -= 1;
            else {
              collect(text.slice(from, i));
              const record = take();
              if (record) yield record;
              state = 'after';
              from = i + 1;
              startLine = line;
            }
          } else if (c === 0x2c && depth === 0) {
            collect(text.slice(from, i));
            const record = take();
            if (record) yield record;
            state = 'between';
            from = -1;
          }
          continue;
        }
        if (isSpace(c)) continue;
        if (state === 'start') {
          startLine = line;
          if (c === 0x5b) state = 'between';
          else {
            state = 'invalid';
            from = i;
          }
        } else if (state === 'between') {
          if (c === 0x5d) {
            state = 'after';
            from = i + 1;
            startLine = line;
          } else if (c !== 0x2c) {
            state = 'element';
            startLine = line;
            from = i;
            depth = 0;
            i -= 1; // scan this character again, as the element's first
          }
        } else if (state === 'after' && !trailing) {
          trailing = true;
          startLine = line;
          from = i;
        }
      }
      if (from >= 0) collect(text.slice(from));
    }
  }
  collect(decoder.end());
  if (state === 'element') {
    const record = take();
    if (record) yield record;
  } else if (state === 'invalid') {
    const record = unparseable('not a JSON array: a sales*.json file holds one array of event objects');
    if (record) yield record;
  } else if (state === 'after') {
    const record = unparseable('text after the closing ] of the array');
    if (record) yield record;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
