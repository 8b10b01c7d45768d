import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BoundedDuplicates,
  type DuplicateKeys,
  type DuplicateKind,
  DuplicateMarks,
  InMemoryDuplicates,
} from '../../shared/domain/duplicate-index';
import { SeenKeys } from '../../shared/domain/seen-keys';
import { DuplicateSpill, removeStaleSpills } from '../../shared/stages/duplicate-spill';

/** A line's keys as enrich sees them: either may be missing; undefined is an unparseable line. */
const keysOf = fc.option(
  fc.record({
    naturalKey: fc.option(fc.constantFrom('ev-1', 'ev-2', 'ev-3', 'ev-4', 'évé-5', '美咲'), { nil: null }),
    lineKey: fc.option(fc.constantFrom('1#1', '1#2', '2#1', '3#1', 'o-9#1'), { nil: null }),
  }),
  { nil: undefined },
);

/** What the in-memory index answers for each line (undefined keys: never checked, never a duplicate). */
function inMemory(lines: (DuplicateKeys | undefined)[]): (DuplicateKind | undefined)[] {
  const index = new InMemoryDuplicates();
  return lines.map((keys, seq) => (keys ? index.check(seq, keys) : undefined));
}

/** The same lines through a BoundedDuplicates that spills after line `from - 1`. */
async function spilled(
  dir: string,
  lines: (DuplicateKeys | undefined)[],
  from: number,
  partitionBytes: number,
): Promise<(DuplicateKind | undefined)[]> {
  const index = new BoundedDuplicates(0);
  const answers: (DuplicateKind | undefined)[] = [];
  for (let seq = 0; seq < from; seq += 1) {
    const keys = lines[seq];
    answers.push(keys ? index.check(seq, keys) : undefined);
  }
  const spill = await DuplicateSpill.open(dir, index.takeMemory(), from, partitionBytes);
  try {
    for (let seq = from; seq < lines.length; seq += 1) spill.add(seq, lines[seq]);
    index.useMarks(await spill.decide());
  } finally {
    await spill.close();
  }
  for (let seq = from; seq < lines.length; seq += 1) {
    const keys = lines[seq];
    answers.push(keys ? index.check(seq, keys) : undefined);
  }
  return answers;
}

describe('the duplicate index spilled to disk', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duplicate-spill-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers exactly like the in-memory index, wherever it spills, for random lines with duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(keysOf, { maxLength: 80 }),
        fc.nat(),
        fc.constantFrom(48, 1 << 20), // a tiny budget splits partitions
        async (lines, at, partitionBytes) => {
          // Prepare: spill anywhere from before the first line to after the last
          const from = at % (lines.length + 1);
          // Act
          const answers = await spilled(dir, lines, from, partitionBytes);
          // Assess
          expect(answers).toEqual(inMemory(lines));
        },
      ),
      { numRuns: 60 },
    );
    expect(await readdir(dir)).toEqual([]); // every spill removed its files
  });

  it('keeps the first of 20,000 lines with repeats exact through partitions split to fit their budget', async () => {
    // Prepare: ids repeat at random; an 8 KB partition budget makes every partition split
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const lines = Array.from({ length: 20_000 }, (): DuplicateKeys | undefined =>
      next() < 0.01
        ? undefined
        : {
            naturalKey: next() < 0.5 ? `ev-${Math.floor(next() * 15_000)}` : null,
            lineKey: `${Math.floor(next() * 4_000)}#${1 + Math.floor(next() * 3)}`,
          },
    );
    // Act
    const answers = await spilled(dir, lines, 5_000, 8192);
    // Assess
    const expected = inMemory(lines);
    expect(answers).toEqual(expected);
    expect(expected.filter((k) => k === 'record').length).toBeGreaterThan(100);
    expect(expected.filter((k) => k === 'line').length).toBeGreaterThan(1000);
  });

  it('marks two bits a line from its first line on, and refuses lines before it', () => {
    // Prepare
    const marks = new DuplicateMarks(10);
    // Act
    marks.mark(10, 'record');
    marks.mark(5_000, 'line');
    marks.mark(5_000, 'line');
    // Assess
    expect([marks.kindOf(10), marks.kindOf(11), marks.kindOf(5_000), marks.kindOf(9_999)]).toEqual([
      'record',
      undefined,
      'line',
      undefined,
    ]);
    expect(marks.count).toBe(2);
    expect(() => marks.kindOf(9)).toThrow(RangeError);
  });

  it('says when it is over its budget, and answers no line between the spill and its marks', () => {
    // Prepare
    const index = new BoundedDuplicates(new InMemoryDuplicates().bytes);
    // Act
    index.check(0, { naturalKey: 'a', lineKey: '1#1' });
    const before = index.overBudget;
    for (let i = 1; i < 4_000; i += 1) index.check(i, { naturalKey: null, lineKey: `${i}#1` });
    // Assess
    expect(before).toBe(false);
    expect(index.overBudget).toBe(true);
    index.takeMemory();
    expect(() => index.check(4_000, { naturalKey: null, lineKey: 'x' })).toThrow(/no marks/);
  });

  it('lists the keys it holds as UTF-8 bytes, in the order first added', () => {
    // Prepare
    const seen = new SeenKeys();
    for (const key of ['b', 'a', 'b', 'Zoë', '']) seen.addOrHas(key);
    const listed: string[] = [];
    // Act
    seen.forEachKey((bytes) => listed.push(new TextDecoder().decode(bytes)));
    // Assess
    expect(listed).toEqual(['b', 'a', 'Zoë', '']);
    expect(seen.addOrHasBytes(new TextEncoder().encode('Zoë'))).toBe(true);
  });
});

describe('spill folders a crashed invocation left in /tmp', () => {
  it('are removed when older than any live invocation can be; recent ones and other folders stay', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'spill-stale-'));
    try {
      for (const name of ['enrich-duplicates-old', 'enrich-duplicates-new', 'other-old']) {
        await mkdir(join(tmp, name, 'x'), { recursive: true });
      }
      const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
      await utimes(join(tmp, 'enrich-duplicates-old'), hourAgo, hourAgo);
      await utimes(join(tmp, 'other-old'), hourAgo, hourAgo);

      expect(await removeStaleSpills(tmp)).toBe(1);
      expect((await readdir(tmp)).sort()).toEqual(['enrich-duplicates-new', 'other-old']);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
