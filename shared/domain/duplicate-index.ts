import { SeenKeys } from './seen-keys';

/**
 * The keys an order line is a duplicate by: its natural key (a file event's id) and its order line
 * (`order id#line number`); null where the line has none.
 */
export interface DuplicateKeys {
  naturalKey: string | null;
  lineKey: string | null;
}

/** Which key made a line a duplicate: its natural key (`record`) or its order line (`line`). */
export type DuplicateKind = 'record' | 'line';

/**
 * Decides whether an order line of a batch repeats an earlier one; the first one wins. `seq` is the
 * line's 0-based position among all the batch's order lines (unparseable ones included); lines are
 * checked in that order, each once.
 */
export interface DuplicateIndex {
  check(seq: number, keys: DuplicateKeys): DuplicateKind | undefined;
}

/**
 * The rule, exact and in memory. A line whose natural key appeared on any earlier line is a `record`
 * duplicate (and its order line is not recorded); otherwise its natural key is recorded, and it is a
 * `line` duplicate when its order line appeared on an earlier line that was not a `record` duplicate.
 * ~30 bytes a key (see SeenKeys). A spilled index must answer exactly the same.
 * @example
 * const index = new InMemoryDuplicates();
 * index.check(0, { naturalKey: 'ev-1', lineKey: '7#1' }); // undefined: first
 * index.check(1, { naturalKey: 'ev-2', lineKey: '7#1' }); // 'line'
 */
export class InMemoryDuplicates implements DuplicateIndex {
  readonly naturalKeys = new SeenKeys();
  readonly lineKeys = new SeenKeys();

  /** Bytes held by both key sets. */
  get bytes(): number {
    return this.naturalKeys.bytes + this.lineKeys.bytes;
  }

  check(_seq: number, keys: DuplicateKeys): DuplicateKind | undefined {
    if (keys.naturalKey !== null && this.naturalKeys.addOrHas(keys.naturalKey)) return 'record';
    if (keys.lineKey !== null && this.lineKeys.addOrHas(keys.lineKey)) return 'line';
    return undefined;
  }
}

const KIND_BITS: Record<DuplicateKind, number> = { record: 1, line: 2 };

/**
 * The duplicate kind of each line from `from` on, decided ahead of the lines (by a pass over their
 * keys): two bits a line, ~250 KB a million lines.
 */
export class DuplicateMarks {
  private bits = new Uint8Array(1024);
  private marked = 0;

  constructor(readonly from: number) {}

  /** Lines marked as duplicates. */
  get count(): number {
    return this.marked;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.bits.byteLength;
  }

  mark(seq: number, kind: DuplicateKind): void {
    const at = seq - this.from;
    if (at < 0) throw new RangeError(`line ${seq} is before the marks (from ${this.from})`);
    const byte = at >> 2;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const shift = (at & 3) * 2;
    if (((this.bits[byte]! >> shift) & 3) === 0) this.marked += 1;
    this.bits[byte] = (this.bits[byte]! & ~(3 << shift)) | (KIND_BITS[kind] << shift);
  }

  kindOf(seq: number): DuplicateKind | undefined {
    const at = seq - this.from;
    if (at < 0) throw new RangeError(`line ${seq} is before the marks (from ${this.from})`);
    const bits = ((this.bits[at >> 2] ?? 0) >> ((at & 3) * 2)) & 3;
    return bits === 1 ? 'record' : bits === 2 ? 'line' : undefined;
  }
}

/**
 * The enricher's index in bounded memory: in memory (InMemoryDuplicates) while it holds at most
 * `budgetBytes`; past that, the caller spills it (`takeMemory`, see stages/duplicate-spill.ts),
 * decides the remaining lines on disk, and hands back their marks (`useMarks`). Lines before the
 * switch were decided in memory, lines after it by the marks: the same answers either way.
 * @example
 * const index = new BoundedDuplicates(16 * 1024 * 1024);
 * // after each line: if (index.overBudget) index.useMarks(await spill(index.takeMemory(), nextSeq));
 */
export class BoundedDuplicates implements DuplicateIndex {
  private memory: InMemoryDuplicates | undefined = new InMemoryDuplicates();
  private marks: DuplicateMarks | undefined;

  constructor(readonly budgetBytes: number) {}

  /** True when the in-memory index holds more than its budget: time to spill. */
  get overBudget(): boolean {
    return this.memory !== undefined && this.memory.bytes > this.budgetBytes;
  }

  /** True once the lines are decided by marks (the index spilled). */
  get spilled(): boolean {
    return this.marks !== undefined;
  }

  /** The in-memory index, for a spill to read its keys; it answers no more lines. */
  takeMemory(): InMemoryDuplicates {
    const memory = this.memory;
    if (!memory) throw new Error('the duplicate index was already spilled');
    this.memory = undefined;
    return memory;
  }

  /** Answer lines from `marks.from` on from the marks. */
  useMarks(marks: DuplicateMarks): void {
    if (this.memory) throw new Error('takeMemory() before useMarks()');
    this.marks = marks;
  }

  check(seq: number, keys: DuplicateKeys): DuplicateKind | undefined {
    if (this.memory) return this.memory.check(seq, keys);
    if (!this.marks) throw new Error('the duplicate index is being spilled: no marks yet');
    return this.marks.kindOf(seq);
  }
}
