import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What a stream of NDJSON held, known once it has been read to the end. */
export interface NdjsonSummary {
  /** Bytes read. */
  bytes: number;
  /** SHA-256 of the bytes read, hex (what manifests record). */
  sha256: string;
  /** Non-blank lines parsed. */
  records: number;
}

/** A line that is not JSON; `line` is 1-based. */
export class NdjsonLineError extends SyntaxError {
  constructor(
    readonly line: number,
    options?: ErrorOptions,
  ) {
    super(`line ${line} is not JSON`, options);
  }
}

const NEWLINE = 0x0a;

/**
 * Parse a stream of NDJSON in batches (one batch per chunk read), holding no more than a chunk and
 * a partial line; blank lines are skipped. The stream is hashed as it is read, so the caller can
 * check the bytes against a manifest's checksum without reading them twice: `summary()` answers
 * once the batches are exhausted.
 * @example
 * const reader = ndjsonBatches(await store.getStream(bucket, key));
 * for await (const rows of reader.batches) for (const row of rows) use(row);
 * const { sha256, records } = reader.summary();
 */
export function ndjsonBatches(stream: Readable): {
  batches: AsyncGenerator<unknown[]>;
  summary(): NdjsonSummary;
} {
  const hash = createHash('sha256');
  let bytes = 0;
  let records = 0;
  let lineNo = 0;
  let done = false;
  let digest: string | undefined;

  const parseLine = (buffer: Buffer, start: number, end: number, into: unknown[]) => {
    lineNo += 1;
    if (end > start && buffer[end - 1] === 0x0d) end -= 1;
    if (end <= start) return;
    const text = buffer.toString('utf8', start, end);
    if (text.charCodeAt(0) <= 0x20 && text.trim() === '') return;
    try {
      into.push(JSON.parse(text));
    } catch (error) {
      throw new NdjsonLineError(lineNo, { cause: error });
    }
    records += 1;
  };

  async function* batches(): AsyncGenerator<unknown[]> {
    let rest: Buffer | undefined;
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(piece);
      bytes += piece.byteLength;
      const rows: unknown[] = [];
      let start = 0;
      const first = piece.indexOf(NEWLINE);
      if (rest) {
        // Only the line cut at the chunk boundary is copied, never the whole chunk.
        if (first === -1) {
          rest = Buffer.concat([rest, piece]);
          continue;
        }
        const line = Buffer.concat([rest, piece.subarray(0, first)]);
        parseLine(line, 0, line.byteLength, rows);
        start = first + 1;
      }
      for (let end = piece.indexOf(NEWLINE, start); end !== -1; end = piece.indexOf(NEWLINE, start)) {
        parseLine(piece, start, end, rows);
        start = end + 1;
      }
      // A copy, so the partial line does not keep the whole chunk alive.
      rest = start < piece.byteLength ? Buffer.from(piece.subarray(start)) : undefined;
      if (rows.length > 0) yield rows;
    }
    if (rest) {
      const rows: unknown[] = [];
      parseLine(rest, 0, rest.byteLength, rows);
      if (rows.length > 0) yield rows;
    }
    done = true;
  }

  return {
    batches: batches(),
    summary() {
      if (!done) throw new Error('ndjsonBatches: summary() before the stream was read to the end');
      digest ??= hash.digest('hex');
      return { bytes, sha256: digest, records };
    },
  };
}
