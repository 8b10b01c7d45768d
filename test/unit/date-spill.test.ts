import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskFullError } from '../../shared/errors';
import { createLogger, type LogFields } from '../../shared/logger';
import { DATE_SPILL_FANOUT, DateSpill, SpillLevel } from '../../shared/stages/date-spill';

interface Written {
  /** The phase (0: the input) each row was written in, by line. */
  phaseOf: Map<number, number>;
  /** The dates each phase wrote. */
  datesOf: Set<string>[];
  /** Lines in the order written. */
  order: number[];
  /** The spill levels logged. */
  levels: LogFields[];
}

/** Run rows (date by line) through a DateSpill the way convert does; what was written, and when. */
async function throughSpill(
  dir: string,
  dates: string[],
  liveLimit: number,
  fanout: number,
): Promise<Written> {
  const levels: LogFields[] = [];
  const log = createLogger('info', {}, (line) => levels.push(JSON.parse(line) as LogFields));
  const spill = new DateSpill(dir, liveLimit, 'test rows', fanout);
  const written: Written = { phaseOf: new Map(), datesOf: [new Set()], order: [], levels };
  const write = async (line: number, date: string, row: object) => {
    if (!spill.admits(date)) return spill.add(line, date, row);
    written.phaseOf.set(line, written.datesOf.length - 1);
    written.datesOf.at(-1)!.add(date);
    written.order.push(line);
  };
  try {
    for (const [index, date] of dates.entries()) await write(index + 1, date, { date, n: index });
    for await (const phase of spill.phases(log)) {
      written.datesOf.push(new Set());
      for await (const rows of phase) {
        for (const [line, row] of rows) await write(line, (row as { date: string }).date, row);
      }
    }
  } finally {
    await spill.close();
  }
  return written;
}

describe('DateSpill', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'date-spill-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every row once, each date in one phase of at most the live limit, in input order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (days, liveLimit, fanout) => {
          // Prepare
          const dates = days.map((d) => `2026-10-${String(d).padStart(2, '0')}`);

          // Act
          const written = await throughSpill(dir, dates, liveLimit, fanout);

          // Assess: all rows, once; a date's rows in one phase, in input order; the folder gone
          expect([...written.phaseOf.keys()].sort((a, b) => a - b)).toEqual(dates.map((_, i) => i + 1));
          const phaseOfDate = new Map<string, number>();
          for (const [index, date] of dates.entries()) {
            const phase = written.phaseOf.get(index + 1)!;
            expect(phaseOfDate.get(date) ?? phase).toBe(phase);
            phaseOfDate.set(date, phase);
          }
          for (const phase of written.datesOf) expect(phase.size).toBeLessThanOrEqual(liveLimit);
          const byDate = (line: number) => dates[line - 1]!;
          for (const date of new Set(dates)) {
            const lines = written.order.filter((line) => byDate(line) === date);
            expect(lines).toEqual([...lines].sort((a, b) => a - b));
          }
          expect(await readdir(dir)).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('writes nothing to disk while the dates fit, and goes a level down when a bucket holds too many', async () => {
    // Prepare: 2 dates fit; 1 live date of 20 over 16 buckets leaves a bucket with 2 (pigeonhole)
    const few = ['2026-10-01', '2026-10-02', '2026-10-01'];
    const many = Array.from({ length: 200 }, (_, i) => `2026-10-${String((i % 20) + 1).padStart(2, '0')}`);

    // Act
    const fit = await throughSpill(dir, few, 2, DATE_SPILL_FANOUT);
    const deep = await throughSpill(dir, many, 1, DATE_SPILL_FANOUT);

    // Assess
    expect(fit.levels).toEqual([]);
    expect(fit.datesOf).toHaveLength(1);
    expect(deep.levels[0]).toMatchObject({ spillLevel: 0, dates: 19, rows: 190 });
    expect(deep.levels[1]).toMatchObject({ spillLevel: 1 });
    expect(deep.datesOf).toHaveLength(20);
    expect(deep.phaseOf.size).toBe(200);
  });

  it('fails with a LocalDiskFullError naming the spill folder and what it spilled when the disk is full', async () => {
    // Prepare: every bucket file of level 0 is /dev/full (ENOSPC on the first write)
    const full = await mkdtemp(join(tmpdir(), 'date-spill-full-'));
    try {
      for (let bucket = 0; bucket < DATE_SPILL_FANOUT; bucket += 1)
        await symlink('/dev/full', join(full, `0-${bucket}.ndjson.gz`));
      const level = new SpillLevel(full, 0, 'order lines of s3://raw/order_lines.ndjson');

      // Act: incompressible rows, until gzip has output to write
      const spill = async () => {
        for (let line = 1; line <= 2_000; line += 1)
          await level.append(line, '2026-10-01', { text: randomBytes(512).toString('base64') });
        await level.finish();
      };

      // Assess
      const failure = await spill().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(LocalDiskFullError);
      expect((failure as LocalDiskFullError).folder).toBe(full);
      expect((failure as Error).message).toMatch(
        new RegExp(`spill folder ${full} while spilling order lines of s3://raw/order_lines.ndjson`),
      );
      level.destroy();
    } finally {
      await rm(full, { recursive: true, force: true });
    }
  });
});
