import { createHash } from 'node:crypto';
import { type Cart, generateShop } from '../local/generator';
import type { ObjectStore } from '../shared/adapters/object-store';
import { manifestKeyIn, rawPageKey, rawRunPrefix } from '../shared/domain/layout';
import type { RawManifest } from '../shared/domain/manifest';

/**
 * A DummyJSON-shaped raw run written straight into an ObjectStore, as ingest would leave it: pages
 * of users, products and carts, then `_manifest.json` last. The input of the enrich + convert
 * bench. `generateShop` caps a shop at 9,998 carts, so the carts come from successive seeds (ids
 * renumbered) over the first shop's users and products, until the run holds `lines` order lines.
 */
export interface RawRunOptions {
  lines: number;
  seed?: number;
  users?: number;
  products?: number;
  /** Records a page; DummyJSON allows up to 1,000 with `limit`. */
  pageSize?: number;
}

const SOURCE = 'dummyjson';
const BASE_URL = 'http://127.0.0.1:4010';

/** Write the run; resolves with the raw manifest's key and the manifest. */
export async function writeRawRun(
  store: ObjectStore,
  bucket: string,
  options: RawRunOptions,
): Promise<{ key: string; manifest: RawManifest; lines: number }> {
  const seed = options.seed ?? 42;
  const users = options.users ?? 2000;
  const productCount = options.products ?? 500;
  const pageSize = options.pageSize ?? 1000;
  const scheduled = new Date('2026-11-26T03:00:00Z');
  const runId = '20261126T030000Z';
  const prefix = rawRunPrefix(SOURCE, '2026-11-26', runId);
  const shop = generateShop({ seed, users, products: productCount, carts: 0, anomalies: false });
  const files: RawManifest['files'] = [];

  const writePages = async (
    entity: string,
    path: string,
    key: string,
    records: readonly unknown[],
    total: number,
    first: number,
  ) => {
    for (let skip = 0; skip < records.length; skip += pageSize) {
      const page = records.slice(skip, skip + pageSize);
      const absolute = first + skip;
      const body = JSON.stringify({ [key]: page, total, skip: absolute, limit: pageSize });
      const pageKey = rawPageKey(prefix, entity, absolute / pageSize + 1);
      await store.put(bucket, pageKey, body, 'application/json');
      files.push({
        key: pageKey,
        entity,
        records: page.length,
        url: `${BASE_URL}${path}?limit=${pageSize}&skip=${absolute}`,
        bytes: Buffer.byteLength(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      });
    }
  };
  await writePages('customers', '/users', 'users', shop.users, shop.users.length, 0);
  await writePages('products', '/products', 'products', shop.products, shop.products.length, 0);

  // Carts from successive shops, ids renumbered, cut at exactly `lines` order lines.
  const carts: Cart[] = [];
  let lines = 0;
  for (let round = 0; lines < options.lines; round += 1) {
    const more = generateShop({
      seed: seed + round + 1,
      users,
      products: productCount,
      carts: 9998,
      anomalies: round === 0,
    });
    for (const cart of more.carts) {
      if (lines >= options.lines) break;
      const products = cart.products.slice(0, options.lines - lines);
      lines += products.length;
      carts.push({ ...cart, id: carts.length + 1, products, totalProducts: products.length });
    }
  }
  await writePages('orders', '/carts', 'carts', carts, carts.length, 0);

  const manifest: RawManifest = {
    stage: 'ingest',
    source: SOURCE,
    run_id: runId,
    ingest_date: '2026-11-26',
    scheduled_time: scheduled.toISOString(),
    ingested_at: '2026-11-26T03:00:05.123Z',
    files,
    totals: { customers: shop.users.length, products: shop.products.length, orders: carts.length },
  };
  const key = manifestKeyIn(prefix);
  await store.put(bucket, key, JSON.stringify(manifest, null, 2), 'application/json');
  return { key, manifest, lines };
}
