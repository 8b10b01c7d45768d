import cliProgress from 'cli-progress';
import { STAGE, type Stage } from '../shared/constants';
import type { BatchMeasurement, MemoryMetrics } from '../shared/observability';

/** What one stage has done so far in a run. */
export interface StageProgress {
  batches: number;
  failed: number;
  pages: number;
  rowsIn: number;
  clean: number;
  rejected: number;
  duplicates: number;
  files: number;
  bytes: number;
  /** Milliseconds spent on batches (their durations summed). */
  busyMs: number;
  /** Epoch ms of the first activity seen (a page fetched or a batch started). */
  firstAt: number | undefined;
}

export interface RunProgress {
  /** Show the bars (once the stack is up, so rates count from the work, not the start-up). */
  start(): void;
  /** A line of news, printed above the bars on a terminal and nowhere otherwise. */
  note(line: string): void;
  /** The ingest function fetched a page (the stack's `onPageFetched`). */
  pageFetched(url: string): void;
  /** Leave the final bars on screen and stop redrawing. */
  stop(): void;
}

export interface RunProgressOptions {
  /** Draw anything at all: false when stderr is not a terminal or with `--json`. */
  enabled: boolean;
  /** The handlers' measurements, one per batch and stage. */
  metrics: MemoryMetrics;
  /** Batches each stage is expected to see (one per source ingested). */
  batches: number;
  stream?: NodeJS.WritableStream;
  now?: () => number;
}

/**
 * Per-stage progress bars for `npm start` (cli-progress): batches done per stage, with pages
 * fetched, rows enriched/converted/loaded, rejects, bytes and rates, updated live from the
 * handlers' metrics. Quiet (draws nothing) when not enabled.
 * @example const progress = createRunProgress({ enabled: process.stderr.isTTY, metrics, batches: 1 });
 */
export function createRunProgress(options: RunProgressOptions): RunProgress {
  const now = options.now ?? Date.now;
  const state = new Map<Stage, StageProgress>(STAGE.map((stage) => [stage, emptyProgress()]));
  const stream = options.stream ?? process.stderr;
  let bars: cliProgress.MultiBar | undefined;
  const barOf = new Map<Stage, cliProgress.SingleBar>();
  let stopped = false;

  const redraw = (stage: Stage) => {
    const bar = barOf.get(stage);
    const progress = state.get(stage)!;
    if (!bar) return;
    bar.setTotal(Math.max(options.batches, progress.batches));
    bar.update(progress.batches, { detail: describeStage(stage, progress, now()) });
  };
  const unsubscribe = options.metrics.subscribe((measurement) => {
    addMeasurement(state.get(measurement.stage)!, measurement);
    redraw(measurement.stage);
  });

  return {
    start() {
      if (!options.enabled || bars || stopped) return;
      bars = new cliProgress.MultiBar(
        {
          stream,
          format: ' {stage} {bar} {value}/{total} batches  {detail}',
          barsize: 20,
          hideCursor: true,
          clearOnComplete: false,
          autopadding: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      for (const stage of STAGE) {
        barOf.set(stage, bars.create(options.batches, 0, { stage: stage.padEnd(7), detail: '' }));
        redraw(stage);
      }
    },
    note(line) {
      if (!options.enabled || stopped) return;
      if (bars) bars.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    pageFetched() {
      const ingest = state.get('ingest')!;
      ingest.pages += 1;
      ingest.firstAt ??= now();
      redraw('ingest');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      for (const stage of STAGE) redraw(stage);
      // A last redraw flushes the notes cli-progress buffers (its stop() would drop them).
      bars?.update();
      bars?.stop();
    },
  };
}

function emptyProgress(): StageProgress {
  return {
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
  };
}

/** Fold one batch's measurement into its stage's progress. */
export function addMeasurement(progress: StageProgress, m: BatchMeasurement): void {
  progress.firstAt = Math.min(progress.firstAt ?? m.startedAt, m.startedAt);
  progress.busyMs += m.endedAt - m.startedAt;
  if (m.failed) {
    progress.failed += 1;
    return;
  }
  const v = m.values;
  progress.batches += 1;
  // Ingest's pages are counted live as they arrive; a run without the live hook counts them here.
  if (m.stage === 'ingest') progress.pages = Math.max(progress.pages, v.pagesFetched ?? 0);
  progress.rowsIn += v.rowsIn ?? 0;
  progress.clean += v.rowsClean ?? 0;
  progress.rejected += v.rowsRejected ?? 0;
  progress.duplicates += v.duplicates ?? 0;
  progress.files += v.filesWritten ?? 0;
  progress.bytes += v.bytesWritten ?? 0;
}

/** The text beside a stage's bar: its counts and rate. */
export function describeStage(stage: Stage, p: StageProgress, now: number): string {
  const failed = p.failed > 0 ? `, ${p.failed} failed (retrying)` : '';
  const perSecond = (n: number, ms: number) => (ms > 0 ? formatRate((n * 1000) / ms) : '-');
  switch (stage) {
    case 'ingest': {
      const elapsed = p.batches > 0 ? p.busyMs : p.firstAt === undefined ? 0 : now - p.firstAt;
      const records = p.batches > 0 ? `, ${count(p.rowsIn)} records` : '';
      return `${count(p.pages)} pages${records} | ${perSecond(p.pages, elapsed)} pages/s${failed}`;
    }
    case 'enrich':
      return `${count(p.rowsIn)} lines: ${count(p.clean)} clean, ${count(p.rejected)} rejected, ${count(p.duplicates)} duplicates | ${perSecond(p.rowsIn, p.busyMs)} lines/s${failed}`;
    case 'convert':
      return `${count(p.rowsIn)} rows -> ${count(p.files)} Parquet files, ${formatBytes(p.bytes)} | ${perSecond(p.rowsIn, p.busyMs)} rows/s${failed}`;
    case 'load':
      return `${count(p.clean)} order lines (${count(p.rowsIn)} rows) | ${perSecond(p.rowsIn, p.busyMs)} rows/s, ${count(p.busyMs)} ms${failed}`;
  }
}

const count = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? count(perSecond) : perSecond.toFixed(1);
}

/** Bytes as B, KB or MB (1024-based), one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Progress of `npm run upload`: bytes sent over all files, the current file, the rate. */
export interface UploadProgress {
  /** A file starts: its name and size. */
  file(name: string, bytes: number): void;
  /** Bytes of the current file sent so far. */
  sent(loaded: number): void;
  stop(): void;
}

/**
 * One cli-progress bar over the bytes of every file of an upload, on stderr. Draws nothing unless
 * enabled (stderr is a terminal).
 * @example const progress = createUploadProgress({ enabled: process.stderr.isTTY === true, totalBytes });
 */
export function createUploadProgress(options: {
  enabled: boolean;
  totalBytes: number;
  stream?: NodeJS.WritableStream;
}): UploadProgress {
  if (!options.enabled) return { file() {}, sent() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream ?? process.stderr,
      format: ' upload {bar} {percentage}% {done}/{size} | {rate}/s | {name}',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let before = 0;
  let current = 0;
  let name = '';
  const payload = () => {
    const done = before + current;
    const seconds = (Date.now() - started) / 1000;
    return {
      name,
      done: formatBytes(done),
      size: formatBytes(options.totalBytes),
      rate: formatBytes(seconds > 0 ? Math.round(done / seconds) : 0),
    };
  };
  bar.start(Math.max(options.totalBytes, 1), 0, payload());
  return {
    file(next, bytes) {
      before += current;
      current = 0;
      name = `${next} (${formatBytes(bytes)})`;
      bar.update(before, payload());
    },
    sent(loaded) {
      current = loaded;
      bar.update(before + current, payload());
    },
    stop() {
      bar.update(before + current, payload());
      bar.stop();
    },
  };
}
