import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ObjectStore } from '../shared/adapters/object-store';
import { CURATED_TABLE } from '../shared/constants';
import { enrichedPrefix, manifestKeyIn, rejectsKey } from '../shared/domain/layout';
import type { EnrichedManifest } from '../shared/domain/manifest';
import type { Customer, Product, Reject } from '../shared/domain/types';
import { type OrderLineOptions, orderLines, seededRandom } from './order-lines';

/**
 * A seeded enriched batch written straight into an ObjectStore, as enrich would leave it: NDJSON
 * per table and the `_manifest.json` last. The convert bench's input, and big-data tests' too.
 */
export interface EnrichedBatchOptions extends OrderLineOptions {
  lines: number;
  customers?: number;
  products?: number;
  rejects?: number;
}

const SOURCE = 'dummyjson';
const INGEST_DATE = '2026-11-26';
const INGESTED_AT = '2026-11-26T03:00:05.123Z';
const NAMES = ['Zoë', 'Łukasz', 'Søren', '美咲', 'Đorđe', 'Ana', "O'Brien", 'Müller', '', 'Иван'];

/** Write the batch; resolves with the enriched manifest's key and the manifest. */
export async function writeEnrichedBatch(
  store: ObjectStore,
  bucket: string,
  options: EnrichedBatchOptions,
): Promise<{ key: string; manifest: EnrichedManifest }> {
  const batchId = options.batchId ?? 'bench-20261126T030000Z';
  const prefix = enrichedPrefix(SOURCE, INGEST_DATE, batchId);
  const random = seededRandom((options.seed ?? 42) + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const customers = Array.from(
    { length: options.customers ?? 5000 },
    (_, i): Customer => ({
      source: SOURCE,
      customer_id: String(i + 1),
      first_name: pick(NAMES),
      last_name: random() < 0.1 ? null : pick(NAMES),
      email: `c${i + 1}@example.com`,
      address_line: `${i + 1} Main Street`,
      city: pick(['São Paulo', 'Zürich', '東京', 'Austin', null]),
      state: null,
      country: pick(['Brazil', 'Switzerland', 'Japan', 'United States']),
      postal_code: String(10000 + i),
      batch_id: batchId,
      ingested_at: INGESTED_AT,
    }),
  );
  const products = Array.from({ length: options.products ?? 2000 }, (_, i): Product => {
    const price = 99 + Math.floor(random() * 250_000);
    return {
      source: SOURCE,
      product_id: String(i + 1),
      title: `Product ${i + 1} ${pick(['☕ mug', 'laptop', 'smartphone', 'café table'])}`,
      category: pick(['laptops', 'smartphones', 'home-decoration', 'groceries']),
      brand: random() < 0.2 ? null : pick(['Apple', 'Samsung', 'Nestlé']),
      unit_price_cents: price,
      unit_cost_cents: Math.round(price * 0.6),
      cost_source: 'model',
      batch_id: batchId,
      ingested_at: INGESTED_AT,
    };
  });
  const rejects = Array.from(
    { length: options.rejects ?? 100 },
    (_, i): Reject => ({
      source: SOURCE,
      batch_id: batchId,
      record_type: 'order_line',
      reason_code: 'INVALID_QUANTITY',
      reason_codes: 'INVALID_QUANTITY',
      reason_detail: 'quantity must be a positive integer, got 0',
      raw_record: JSON.stringify({ id: i, quantity: 0 }),
      record_key: `${i}#1`,
      source_file: `s3://raw/raw/source=${SOURCE}/carts/part-00001.json`,
      source_line: null,
      ingested_at: INGESTED_AT,
    }),
  );

  const outputs = [
    {
      table: CURATED_TABLE.orderLines,
      key: `${prefix}order_lines.ndjson`,
      rows: options.lines,
      source: () => orderLines(options.lines, { ...options, batchId }),
    },
    {
      table: CURATED_TABLE.customers,
      key: `${prefix}customers.ndjson`,
      rows: customers.length,
      source: () => customers.values(),
    },
    {
      table: CURATED_TABLE.products,
      key: `${prefix}products.ndjson`,
      rows: products.length,
      source: () => products.values(),
    },
    {
      table: CURATED_TABLE.rejects,
      key: rejectsKey(SOURCE, INGEST_DATE, batchId),
      rows: rejects.length,
      source: () => rejects.values(),
    },
  ] as const;
  const files: EnrichedManifest['files'] = [];
  for (const output of outputs) {
    const hash = createHash('sha256');
    let bytes = 0;
    const body = Readable.from(
      ndjsonChunks(output.source(), (chunk) => {
        hash.update(chunk);
        bytes += chunk.byteLength;
      }),
    );
    await store.putStream(bucket, output.key, body, 'application/x-ndjson');
    files.push({
      key: output.key,
      bytes,
      sha256: hash.digest('hex'),
      table: output.table,
      rows: output.rows,
    });
  }
  const manifest: EnrichedManifest = {
    stage: 'enrich',
    source: SOURCE,
    batch_id: batchId,
    upstream_manifest: `s3://${bucket}/raw/source=${SOURCE}/ingest_date=${INGEST_DATE}/run_id=bench/_manifest.json`,
    ingest_date: INGEST_DATE,
    ingested_at: INGESTED_AT,
    files,
    order_lines: {
      rows_in: options.lines + rejects.length,
      clean: options.lines,
      rejected: rejects.length,
      duplicates: 0,
    },
    rejects_by_reason: rejects.length ? { INVALID_QUANTITY: rejects.length } : {},
  };
  const key = manifestKeyIn(prefix);
  await store.put(bucket, key, JSON.stringify(manifest, null, 2), 'application/json');
  return { key, manifest };
}

/** Rows as NDJSON in ~1 MB chunks, each seen by `onChunk` (hash and count) on its way out. */
function* ndjsonChunks(rows: Iterable<unknown>, onChunk: (chunk: Buffer) => void): Generator<Buffer> {
  let pending = '';
  for (const row of rows) {
    pending += `${JSON.stringify(row)}\n`;
    if (pending.length >= 1 << 20) {
      const chunk = Buffer.from(pending);
      pending = '';
      onChunk(chunk);
      yield chunk;
    }
  }
  if (pending) {
    const chunk = Buffer.from(pending);
    onChunk(chunk);
    yield chunk;
  }
}
