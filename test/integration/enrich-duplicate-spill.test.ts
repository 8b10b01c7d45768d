import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../shared/adapters/fs-object-store';
import { loadConfig } from '../../shared/config';
import { CURATED_TABLE, REASON } from '../../shared/constants';
import { InMemoryDuplicates } from '../../shared/domain/duplicate-index';
import { manifestKeyIn, rawPageKey, rawRunPrefix } from '../../shared/domain/layout';
import type { EnrichedManifest, RawManifest } from '../../shared/domain/manifest';
import { createLogger } from '../../shared/logger';
import { runEnrich } from '../../shared/stages/enrich';

const BUCKET = 'raw';

/** A file-drop record as ingest writes it into a part: its line, then its event or its text. */
type PartRecord =
  | { line: number; data: Record<string, unknown> }
  | { line: number; unparseable: { raw_text: string; error: string } };

/** Write a file-drop run (order parts, then the manifest) into a store; returns the manifest's key. */
async function writeRun(store: FsObjectStore, pages: PartRecord[][]): Promise<string> {
  const prefix = rawRunPrefix('files', '2026-11-26', 'sales-spill');
  const files: RawManifest['files'] = [];
  let first = 1;
  for (const [index, records] of pages.entries()) {
    const key = rawPageKey(prefix, 'orders', index + 1);
    const body = JSON.stringify({
      source_file: 's3://raw/landing/sales.jsonl',
      format: 'jsonl',
      entity: 'orders',
      first_record: first,
      records,
    });
    first += records.length;
    await store.put(BUCKET, key, body, 'application/json');
    files.push({
      key,
      entity: 'orders',
      records: records.length,
      url: '',
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    });
  }
  const manifest: RawManifest = {
    stage: 'ingest',
    source: 'files',
    run_id: 'sales-spill',
    ingest_date: '2026-11-26',
    scheduled_time: '2026-11-26T03:00:00.000Z',
    ingested_at: '2026-11-26T03:00:05.000Z',
    files,
    totals: {},
  };
  await store.put(BUCKET, manifestKeyIn(prefix), JSON.stringify(manifest), 'application/json');
  return manifestKeyIn(prefix);
}

/** Enrich the pages in a fresh store with this duplicate-index budget: the manifest and every file's text. */
async function enrich(root: string, pages: PartRecord[][], duplicateIndexBytes: number, spillDir: string) {
  const store = new FsObjectStore(root);
  const key = await writeRun(store, pages);
  const config = { ...loadConfig({ RAW_BUCKET: BUCKET, CURATED_BUCKET: 'curated' }), duplicateIndexBytes };
  const spills: Record<string, unknown>[] = [];
  const log = createLogger('info', {}, (line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.message === 'duplicate index spilled to disk') spills.push(entry);
  });
  const manifest = await runEnrich({ store, config, log, tmpDir: spillDir }, { bucket: BUCKET, key });
  const texts: Record<string, string> = {};
  for (const file of manifest.files) {
    texts[file.table] = new TextDecoder().decode(await store.get(BUCKET, file.key));
  }
  return { manifest, texts, spills };
}

/** A sales event; ids come from small pools so that events and order lines repeat. */
const event = fc.record({
  event_id: fc.constantFrom('ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5', 'ev-6', ' ev-1 ', ''),
  order_id: fc.option(fc.constantFrom('o-1', 'o-2', 'o-3'), { nil: undefined }),
  line_no: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
  customer_id: fc.constantFrom('c-1', 'c-2'),
  city: fc.constantFrom('Lyon', 'Oslo'),
  product_id: fc.constantFrom('p-1', 'p-2'),
  category: fc.constant('books'),
  quantity: fc.constantFrom(1, 2, 0),
  unit_price: fc.constantFrom('12.50', '3.00', 'x'),
  event_ts: fc.constantFrom('2026-11-25T10:00:00Z', 'soon'),
});

const record = fc.oneof(
  { weight: 9, arbitrary: event.map((data) => ({ data })) },
  { weight: 1, arbitrary: fc.constant({ unparseable: { raw_text: '{"event_id":', error: 'cut short' } }) },
);

/** Number the records' lines and cut them into pages at the given sizes. */
function paged(records: object[], sizes: number[]): PartRecord[][] {
  const numbered = records.map((r, i) => ({ line: i + 1, ...r }) as PartRecord);
  const pages: PartRecord[][] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= numbered.length) break;
    pages.push(numbered.slice(at, at + size));
    at += size;
  }
  if (at < numbered.length) pages.push(numbered.slice(at));
  return pages;
}

describe('enrich with its duplicate index spilled to disk', () => {
  let dir: string;
  let spillDir: string;
  let runs = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'enrich-spill-'));
    spillDir = join(dir, 'spill');
    await mkdir(spillDir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes and counts as in memory for random batches with duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 15 }), { maxLength: 4 }),
        async (records, sizes) => {
          // Prepare
          const pages = paged(records, sizes);
          runs += 1;
          // Act: a 1-byte budget spills after the first line, so every later line is decided on disk
          const memory = await enrich(join(dir, `${runs}-memory`), pages, 1 << 30, spillDir);
          const spilled = await enrich(join(dir, `${runs}-spilled`), pages, 1, spillDir);
          // Assess
          expect(memory.spills).toEqual([]);
          expect(spilled.spills).toHaveLength(1);
          expect(spilled.spills[0]).toMatchObject({ fromLine: 1 });
          expect(spilled.manifest).toEqual(memory.manifest);
          expect(spilled.texts).toEqual(memory.texts);
        },
      ),
      { numRuns: 12 },
    );
    expect(await readdir(spillDir)).toEqual([]);
  });

  it('spills in the middle of a later page of a big batch and still keeps the first of each', async () => {
    // Prepare: 6,000 events in 4 pages, ~8 % repeats of an earlier event or order line; the budget is
    // what the index holds when empty, so it spills once its first table grows (~3,000 keys in)
    let state = 11;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const records = Array.from({ length: 6_000 }, (_, i) => {
      const roll = next();
      const n = roll < 0.04 ? Math.floor(next() * i) : i; // an earlier event's id
      const order = roll > 0.96 ? `o-${Math.floor(next() * i)}` : `o-${i}`; // an earlier order line
      return {
        data: {
          event_id: `ev-${n}`,
          order_id: order,
          line_no: 1,
          customer_id: 'c-1',
          city: 'Lyon',
          product_id: 'p-1',
          category: 'books',
          quantity: 1,
          unit_price: '2.00',
          event_ts: '2026-11-25T10:00:00Z',
        },
      };
    });
    const pages = paged(records, [1_000, 1_000, 2_000, 2_000]);
    // Act
    const memory = await enrich(join(dir, 'big-memory'), pages, 1 << 30, spillDir);
    const spilled = await enrich(join(dir, 'big-spilled'), pages, new InMemoryDuplicates().bytes, spillDir);
    // Assess: it spilled past the first page, and the results are the same
    expect(spilled.spills).toHaveLength(1);
    expect(spilled.spills[0]!.fromLine).toBeGreaterThan(2_000);
    expect(spilled.spills[0]!.duplicatesAhead).toBeGreaterThan(100);
    expect(spilled.texts).toEqual(memory.texts);
    expect(spilled.manifest).toEqual(memory.manifest);
    const counts: EnrichedManifest['order_lines'] = memory.manifest.order_lines;
    expect(counts.duplicates).toBeGreaterThan(300);
    expect(counts.clean + counts.duplicates + counts.rejected).toBe(6_000);
    expect(memory.texts[CURATED_TABLE.rejects]).toContain(REASON.duplicate);
    expect(await readdir(spillDir)).toEqual([]);
  });
});
