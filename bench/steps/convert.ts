import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FsObjectStore } from '../../shared/adapters/fs-object-store';
import type { MessageQueue } from '../../shared/adapters/message-queue';
import { createLogger } from '../../shared/logger';
import { runConvert } from '../../shared/stages/convert';
import { report, sampleMemory, stepArgs } from './step-io';

/**
 * Bench step (its own process, so its peak RSS is its own): convert one enriched batch from a
 * local-filesystem ObjectStore through the real runConvert. Prints one JSON line.
 */
async function main(): Promise<void> {
  const args = stepArgs<{
    root: string;
    bucket: string;
    key: string;
    rowGroupRows: number;
    targetFileBytes: number;
    maxBufferedRows?: number;
    maxOpenFiles?: number;
    maxRowGroupsPerFile?: number;
    maxHeldRowGroups?: number;
    /** Force a GC every this many ms and report the largest live heap seen (needs --expose-gc). */
    liveHeapEveryMs?: number;
    /** Read process.memoryUsage() every this many ms and report the peaks and the readings. */
    memoryEveryMs?: number;
    /** Report when each written file was read back, its size and the array buffers around it. */
    traceReadBacks?: boolean;
  }>();
  const memory = args.memoryEveryMs ? sampleMemory(args.memoryEveryMs) : undefined;
  let liveHeapMb: number | undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (args.liveHeapEveryMs && gc) {
    liveHeapMb = 0;
    setInterval(() => {
      gc();
      liveHeapMb = Math.max(
        liveHeapMb ?? 0,
        Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10,
      );
    }, args.liveHeapEveryMs).unref();
  }
  const readBacks: ReadBack[] = [];
  const store = args.traceReadBacks ? new TracedStore(args.root, readBacks) : new FsObjectStore(args.root);
  const sent: unknown[] = [];
  const queue: MessageQueue = {
    async send(_url, body) {
      sent.push(body);
    },
  };
  const started = performance.now();
  const manifest = await runConvert(
    {
      store,
      queue,
      log: createLogger('silent'),
      limits: {
        ...(args.maxBufferedRows ? { maxBufferedRows: args.maxBufferedRows } : {}),
        ...(args.maxOpenFiles ? { maxOpenFiles: args.maxOpenFiles } : {}),
        ...(args.maxRowGroupsPerFile ? { maxRowGroupsPerFile: args.maxRowGroupsPerFile } : {}),
        ...(args.maxHeldRowGroups ? { maxHeldRowGroups: args.maxHeldRowGroups } : {}),
      },
      config: {
        curatedBucket: args.bucket,
        loadQueueUrl: 'http://127.0.0.1:1/000000000000/LoadQueue.fifo',
        loadMessageGroup: 'warehouse',
        parquet: { rowGroupRows: args.rowGroupRows, targetFileBytes: args.targetFileBytes },
      },
    },
    { bucket: args.bucket, key: args.key },
  );
  const ms = performance.now() - started;
  const cpu = process.cpuUsage();
  const lines = manifest.files.filter((f) => f.table === 'order_lines');
  report({
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rows: Object.values(manifest.rows).reduce((a, b) => a + b, 0),
    orderLines: manifest.rows.order_lines ?? 0,
    files: manifest.files.length,
    orderLineFiles: lines.length,
    bytes: manifest.files.reduce((n, f) => n + f.bytes, 0),
    orderLineBytes: lines.reduce((n, f) => n + f.bytes, 0),
    loadMessages: sent.length,
    ...(liveHeapMb === undefined ? {} : { liveHeapMb }),
    ...(memory ? { memory: memory.peaks() } : {}),
    ...(args.traceReadBacks ? { readBacks } : {}),
  });
}

/** One written file's footer read back: wall-clock ms (epoch) and MB of array buffers at start and end. */
interface ReadBack {
  key: string;
  /** Size of the file. */
  mb: number;
  startMs: number;
  endMs: number;
  arrayBuffersMb: [number, number];
}

/** The filesystem store, noting every Parquet read (convert's read-back of the footers it wrote). */
class TracedStore extends FsObjectStore {
  constructor(
    root: string,
    private readonly readBacks: ReadBack[],
  ) {
    super(root);
  }

  override async getRange(bucket: string, key: string, start: number, end: number): Promise<Uint8Array> {
    if (!key.endsWith('.parquet')) return super.getRange(bucket, key, start, end);
    const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
    const now = () => Math.round(performance.timeOrigin + performance.now());
    const startMs = now();
    const before = mb(process.memoryUsage().arrayBuffers);
    const { size } = await stat(join(this.root, bucket, ...key.split('/')));
    const bytes = await super.getRange(bucket, key, start, end);
    const after = mb(process.memoryUsage().arrayBuffers);
    this.readBacks.push({
      key,
      mb: mb(size),
      startMs,
      endMs: now(),
      arrayBuffersMb: [before, after],
    });
    return bytes;
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
