import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addMeasurement, createRunProgress, describeStage, type StageProgress } from '../../local/progress';
import type { Stage } from '../../shared/constants';
import { type BatchMeasurement, createMemoryMetrics, type MetricValues } from '../../shared/observability';

/** A terminal-like stream that keeps what is written, escape codes stripped. */
function fakeTerminal() {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 200, rows: 40 },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI escape sequences
  return { stream, text: () => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '') };
}

const batch = (stage: Stage, values: MetricValues, ms = 200): BatchMeasurement => ({
  stage,
  batchId: 'dummyjson-20261126T030000Z',
  startedAt: 10_000,
  endedAt: 10_000 + ms,
  values,
});

const empty = (): StageProgress => ({
  batches: 0,
  failed: 0,
  pages: 0,
  rowsIn: 0,
  clean: 0,
  rejected: 0,
  duplicates: 0,
  files: 0,
  bytes: 0,
  busyMs: 0,
  firstAt: undefined,
});

describe('run progress', () => {
  it.each<[Stage, MetricValues, string]>([
    ['ingest', { pagesFetched: 12, rowsIn: 1_180 }, '12 pages, 1,180 records | 60.0 pages/s'],
    [
      'enrich',
      { rowsIn: 372, rowsClean: 368, rowsRejected: 4, duplicates: 0 },
      '372 lines: 368 clean, 4 rejected, 0 duplicates | 1,860 lines/s',
    ],
    [
      'convert',
      { rowsIn: 472, filesWritten: 4, bytesWritten: 48_640 },
      '472 rows -> 4 Parquet files, 47.5 KB | 2,360 rows/s',
    ],
    ['load', { rowsIn: 472, rowsClean: 368 }, '368 order lines (472 rows) | 2,360 rows/s, 200 ms'],
  ])('describes %s with its counts and rate', (stage, values, expected) => {
    // Prepare
    const progress = empty();
    addMeasurement(progress, batch(stage, values));

    // Act
    const text = describeStage(stage, progress, 20_000);

    // Assess
    expect(text).toBe(expected);
  });

  it('counts pages live while ingest runs, with a rate from the first page', () => {
    // Prepare
    const progress = { ...empty(), pages: 30, firstAt: 1_000 };

    // Act
    const text = describeStage('ingest', progress, 3_000);

    // Assess
    expect(text).toBe('30 pages | 15.0 pages/s');
  });

  it('says when batches failed and will be retried', () => {
    // Prepare
    const progress = empty();
    addMeasurement(progress, { ...batch('convert', { batchesFailed: 1 }), failed: true });

    // Act
    const text = describeStage('convert', progress, 20_000);

    // Assess
    expect(progress.batches).toBe(0);
    expect(text).toContain('1 failed (retrying)');
  });

  it('draws a bar per stage on a terminal, updated from the handlers’ metrics', () => {
    // Prepare
    const terminal = fakeTerminal();
    const metrics = createMemoryMetrics();
    const progress = createRunProgress({ enabled: true, metrics, batches: 1, stream: terminal.stream });

    // Act
    progress.start();
    progress.note('stack up in 200 ms');
    for (let page = 0; page < 12; page += 1) progress.pageFetched('http://api/carts');
    metrics.record(batch('ingest', { pagesFetched: 12, rowsIn: 1_180 }));
    metrics.record(batch('enrich', { rowsIn: 372, rowsClean: 368, rowsRejected: 4, duplicates: 0 }));
    metrics.record(batch('convert', { rowsIn: 472, filesWritten: 4, bytesWritten: 48_640 }));
    metrics.record(batch('load', { rowsIn: 472, rowsClean: 368 }));
    progress.stop();

    // Assess
    const text = terminal.text();
    expect(text).toContain('stack up in 200 ms');
    expect(text).toMatch(/ingest .* 1\/1 batches {2}12 pages, 1,180 records/);
    expect(text).toMatch(/enrich .* 1\/1 batches {2}372 lines: 368 clean, 4 rejected/);
    expect(text).toMatch(/convert .* 1\/1 batches {2}472 rows -> 4 Parquet files/);
    expect(text).toMatch(/load .* 1\/1 batches {2}368 order lines/);
  });

  it('stays quiet when not enabled (not a terminal, or --json)', () => {
    // Prepare
    const terminal = fakeTerminal();
    const metrics = createMemoryMetrics();
    const progress = createRunProgress({ enabled: false, metrics, batches: 1, stream: terminal.stream });

    // Act
    progress.start();
    progress.note('stack up in 200 ms');
    progress.pageFetched('http://api/users');
    metrics.record(batch('enrich', { rowsIn: 3 }));
    progress.stop();

    // Assess
    expect(terminal.text()).toBe('');
  });
});
