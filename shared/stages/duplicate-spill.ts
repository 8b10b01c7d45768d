import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type DuplicateKeys,
  type DuplicateKind,
  DuplicateMarks,
  type InMemoryDuplicates,
} from '../domain/duplicate-index';
import { SeenKeys } from '../domain/seen-keys';

/** Partition files per key kind, and per split of a partition that outgrew its budget. */
const FANOUT = 16;
/** Splits of a split at most; past it a partition is decided whatever its size (still exact). */
const MAX_DEPTH = 3;
/** Sequence number of a key the in-memory index held: seen before every spilled line. */
const BEFORE = 0xffffffff;
const BUFFER_BYTES = 64 * 1024;
/** A record in a partition file: seq (u32 LE), key length (u32 LE), the key's UTF-8 bytes. */
const HEADER = 8;
/** Name prefix of a spill's temp folder. */
const SPILL_DIR = 'enrich-duplicates-';
/**
 * A spill folder older than this is a crashed invocation's leftover (Lambda's longest timeout is 15
 * minutes, and /tmp outlives an invocation in a warm container): the next spill removes it.
 */
const STALE_MS = 20 * 60 * 1000;

/**
 * Remove the spill folders named `prefix`* under `tmp` that no live invocation can still be using
 * (enrich's by default; convert passes its own); returns how many.
 * @example await removeStaleSpills(tmpdir(), 'convert-dates-');
 */
export async function removeStaleSpills(tmp: string, prefix = SPILL_DIR, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const path = join(tmp, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_MS) continue;
    await rm(path, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/**
 * Murmur3's finaliser over FNV-1a, seeded per split level: spreads keys evenly over `fanout`
 * partitions (convert's date spill uses it too).
 */
export function partitionOf(bytes: Uint8Array, length: number, depth: number, fanout = FANOUT): number {
  let hash = (0x811c9dc5 ^ Math.imul(depth + 1, 0x9e3779b9)) >>> 0;
  for (let i = 0; i < length; i += 1) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % fanout;
}

/** One partition file being written, through a buffer (synchronous writes to local disk). */
class PartitionFile {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  append(seq: number, key: Uint8Array, length: number): void {
    if (this.used + HEADER + length > BUFFER_BYTES) this.flush();
    if (HEADER + length > BUFFER_BYTES) {
      const record = Buffer.allocUnsafe(HEADER + length);
      record.writeUInt32LE(seq, 0);
      record.writeUInt32LE(length, 4);
      record.set(key.subarray(0, length), HEADER);
      writeSync(this.fd, record);
    } else {
      this.buffer.writeUInt32LE(seq, this.used);
      this.buffer.writeUInt32LE(length, this.used + 4);
      this.buffer.set(key.subarray(0, length), this.used + HEADER);
      this.used += HEADER + length;
    }
    this.bytes += HEADER + length;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }
}

const READ_BYTES = 1024 * 1024;

/**
 * Visit the records of a partition file in the order written, reading it a megabyte at a time;
 * `key` is a view into the read buffer, valid during the call only.
 */
async function forEachRecord(path: string, visit: (seq: number, key: Uint8Array) => void): Promise<void> {
  const handle = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(READ_BYTES);
    let end = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, end, buffer.length - end, null);
      if (bytesRead === 0) {
        if (end !== 0) throw new Error(`${path}: a record is cut short`);
        return;
      }
      end += bytesRead;
      let start = 0;
      while (end - start >= HEADER) {
        const length = buffer.readUInt32LE(start + 4);
        if (end - start < HEADER + length) break;
        visit(buffer.readUInt32LE(start), buffer.subarray(start + HEADER, start + HEADER + length));
        start += HEADER + length;
      }
      const needed = end - start >= HEADER ? HEADER + buffer.readUInt32LE(start + 4) : HEADER;
      const next = needed > buffer.length ? Buffer.allocUnsafe(needed) : buffer;
      buffer.copy(next, 0, start, end);
      buffer = next;
      end -= start;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Decides the duplicates of a batch's remaining order lines on local disk, in bounded memory, when
 * the in-memory index outgrew its budget. The keys the in-memory index holds (every line before
 * `from`) and each remaining line's keys with its sequence number are hash-partitioned to temp
 * files, one set for natural keys, one for order-line keys; a partition is read back whole and
 * replayed in line order (read a megabyte at a time) through an exact set (split again first when it is bigger than the
 * budget). Natural keys first: a line that repeats one is a `record` duplicate; then order lines,
 * skipping those: a repeat is a `line` duplicate. The same rule as InMemoryDuplicates, so the marks
 * answer exactly what memory would have. Costs ~8 bytes + the key on disk per key.
 * @example
 * const spill = await DuplicateSpill.open(tmpdir(), index.takeMemory(), nextSeq, budget);
 * try { for (...) spill.add(seq, keys); index.useMarks(await spill.decide()); } finally { await spill.close(); }
 */
export class DuplicateSpill {
  private readonly natural: PartitionFile[];
  private readonly lines: PartitionFile[];
  private readonly scratch = Buffer.allocUnsafe(BUFFER_BYTES);
  private closed = false;
  /** Keys written to the partition files. */
  keys = 0;

  private constructor(
    private readonly dir: string,
    private readonly from: number,
    private readonly partitionBytes: number,
  ) {
    this.natural = Array.from({ length: FANOUT }, (_, i) => new PartitionFile(join(dir, `natural-${i}`)));
    this.lines = Array.from({ length: FANOUT }, (_, i) => new PartitionFile(join(dir, `line-${i}`)));
  }

  /**
   * Start a spill in a new folder under `tmp`: the in-memory index's keys go to disk first (seen
   * before line `from`). `partitionBytes` bounds what one partition brings back into memory.
   */
  static async open(
    tmp: string,
    seen: InMemoryDuplicates,
    from: number,
    partitionBytes: number,
  ): Promise<DuplicateSpill> {
    await removeStaleSpills(tmp);
    const spill = new DuplicateSpill(await mkdtemp(join(tmp, SPILL_DIR)), from, partitionBytes);
    try {
      seen.naturalKeys.forEachKey((key) => spill.appendBytes(spill.natural, BEFORE, key, key.length));
      seen.lineKeys.forEachKey((key) => spill.appendBytes(spill.lines, BEFORE, key, key.length));
    } catch (error) {
      await spill.close();
      throw error;
    }
    return spill;
  }

  /** Add line `seq`'s keys (undefined for an unparseable line); lines from `from` on, in order. */
  add(seq: number, keys: DuplicateKeys | undefined): void {
    if (seq < this.from || seq >= BEFORE) throw new RangeError(`line ${seq} cannot be spilled`);
    if (!keys) return;
    if (keys.naturalKey !== null) this.appendText(this.natural, seq, keys.naturalKey);
    if (keys.lineKey !== null) this.appendText(this.lines, seq, keys.lineKey);
  }

  /** Decide every added line: the duplicates among them, as marks. */
  async decide(): Promise<DuplicateMarks> {
    for (const file of [...this.natural, ...this.lines]) file.close();
    this.closed = true;
    const marks = new DuplicateMarks(this.from);
    for (const file of this.natural) await this.decidePartition(file.path, 'record', marks, 0);
    for (const file of this.lines) await this.decidePartition(file.path, 'line', marks, 0);
    return marks;
  }

  /** Remove the temp files (after `decide`, or instead of it after a failure). */
  async close(): Promise<void> {
    if (!this.closed) for (const file of [...this.natural, ...this.lines]) file.close();
    this.closed = true;
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Bytes written to the partition files. */
  get bytes(): number {
    return [...this.natural, ...this.lines].reduce((n, f) => n + f.bytes, 0);
  }

  private appendText(files: PartitionFile[], seq: number, key: string): void {
    if (key.length * 3 <= this.scratch.length) {
      this.appendBytes(files, seq, this.scratch, this.scratch.write(key, 'utf8'));
    } else {
      const bytes = Buffer.from(key, 'utf8');
      this.appendBytes(files, seq, bytes, bytes.length);
    }
  }

  private appendBytes(files: PartitionFile[], seq: number, bytes: Uint8Array, length: number): void {
    files[partitionOf(bytes, length, 0)]!.append(seq, bytes, length);
    this.keys += 1;
  }

  /** Replay one partition in line order through an exact set (split first when too big); remove it. */
  private async decidePartition(
    path: string,
    kind: DuplicateKind,
    marks: DuplicateMarks,
    depth: number,
  ): Promise<void> {
    if ((await stat(path)).size > this.partitionBytes && depth < MAX_DEPTH) {
      const parts = Array.from({ length: FANOUT }, (_, i) => new PartitionFile(`${path}.${i}`));
      try {
        await forEachRecord(path, (seq, key) => {
          parts[partitionOf(key, key.length, depth + 1)]!.append(seq, key, key.length);
        });
      } finally {
        for (const part of parts) part.close();
      }
      await rm(path);
      for (const part of parts) await this.decidePartition(part.path, kind, marks, depth + 1);
      return;
    }
    const seen = new SeenKeys();
    await forEachRecord(path, (seq, key) => {
      // An order line of a `record` duplicate is not recorded (InMemoryDuplicates stops there).
      if (kind === 'line' && seq !== BEFORE && marks.kindOf(seq) === 'record') return;
      if (seen.addOrHasBytes(key) && seq !== BEFORE) marks.mark(seq, kind);
    });
    await rm(path);
  }
}
