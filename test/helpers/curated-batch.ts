import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '../../shared/adapters/object-store';
import type { LoadBatch } from '../../shared/adapters/warehouse';
import type { CuratedTable } from '../../shared/constants';
import { curatedKey, curatedManifestKey } from '../../shared/domain/layout';
import { type ColumnSpec, TABLE_COLUMNS } from '../../shared/domain/tables';

/** A curated row as the warehouse sees it: decimals as exact text ('1030.00'), dates and times as ISO text. */
export type CuratedRow = Record<string, string | number | null>;

export interface CuratedFixture {
  batchId: string;
  customers?: CuratedRow[];
  products?: CuratedRow[];
  /** Order lines; several files when `lineFiles` splits them (by order date, as convert does). */
  order_lines?: CuratedRow[];
  order_rejects?: CuratedRow[];
  /** Orders the batch carries whole (order snapshots): their lines missing from the batch are deleted. */
  orders?: CuratedRow[];
}

const sqlType = (c: ColumnSpec<never>): string =>
  ({
    string: 'VARCHAR',
    int32: 'INTEGER',
    decimal: `DECIMAL(${c.precision ?? 12},${c.scale ?? 2})`,
    date: 'DATE',
    timestamp: 'TIMESTAMPTZ',
  })[c.kind];

/**
 * Write a batch's tables as typed Snappy Parquet (the layout convert writes: TABLE_COLUMNS' names and
 * types, order lines partitioned by order date) into the bucket, and return what its load message
 * and manifest describe. DuckDB writes the Parquet, so these tests do not depend on convert.
 */
export async function putCuratedBatch(
  store: ObjectStore,
  bucket: string,
  fixture: CuratedFixture,
): Promise<LoadBatch> {
  const dir = await mkdtemp(join(tmpdir(), 'curated-'));
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  const files: LoadBatch['files'] = [];
  try {
    await duck.run("SET TimeZone = 'UTC'");
    const tables: CuratedTable[] = ['customers', 'products', 'order_lines', 'orders', 'order_rejects'];
    for (const table of tables) {
      const rows = fixture[table];
      if (!rows || rows.length === 0) continue;
      const groups = new Map<string | undefined, CuratedRow[]>();
      for (const row of rows) {
        const partition = table === 'order_lines' ? String(row.order_date) : undefined;
        groups.set(partition, [...(groups.get(partition) ?? []), row]);
      }
      for (const [orderDate, part] of groups) {
        const columns = TABLE_COLUMNS[table];
        const json = join(dir, `${table}-${orderDate ?? 'all'}.ndjson`);
        await writeFile(
          json,
          part
            .map((row) =>
              JSON.stringify(
                Object.fromEntries(
                  columns.map((c) => [c.name, row[c.name] == null ? null : String(row[c.name])]),
                ),
              ),
            )
            .join('\n'),
        );
        const parquet = join(dir, `${table}-${orderDate ?? 'all'}.parquet`);
        const declared = columns.map((c) => `'${c.name}': 'VARCHAR'`).join(', ');
        const select = columns.map((c) => `CAST(${c.name} AS ${sqlType(c)}) AS ${c.name}`).join(', ');
        await duck.run(
          `COPY (SELECT ${select} FROM read_json('${json}', format = 'newline_delimited', columns = {${declared}})) TO '${parquet}' (FORMAT PARQUET, COMPRESSION SNAPPY)`,
        );
        const key = curatedKey(table, fixture.batchId, 0, orderDate);
        await store.put(bucket, key, await readFile(parquet), 'application/vnd.apache.parquet');
        files.push({ table, key, rows: part.length });
      }
    }
  } finally {
    duck.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
  return { batchId: fixture.batchId, bucket, manifestKey: curatedManifestKey(fixture.batchId), files };
}

const INGESTED = '2026-11-26T03:00:00.000Z';

export const customerRow = (
  id: string,
  first: string,
  last: string,
  country: string | null,
  batchId: string,
): CuratedRow => ({
  source: 'shop',
  customer_id: id,
  first_name: first,
  last_name: last,
  email: `${first.toLowerCase()}@example.com`,
  address_line: '1 Main Street',
  city: 'Somewhere',
  state: null,
  country,
  postal_code: '00000',
  batch_id: batchId,
  ingested_at: INGESTED,
});

export const productRow = (
  id: string,
  title: string,
  category: string | null,
  price: string,
  cost: string,
  batchId: string,
): CuratedRow => ({
  source: 'shop',
  product_id: id,
  title,
  category,
  brand: null,
  unit_price: price,
  unit_cost: cost,
  cost_source: 'source',
  batch_id: batchId,
  ingested_at: INGESTED,
});

/** An order line whose money is given in text; quantity x unit price and cost must agree (the tests' arithmetic). */
export const lineRow = (
  fields: {
    order_id: string;
    line_no: number;
    order_date: string;
    status: string;
    customer_id: string;
    product_id: string;
    quantity: number;
    unit_price: string;
    revenue: string;
    discount_amount?: string;
    unit_cost: string;
    cost: string;
    profit: string;
    channel: string | null;
    payment_method: string | null;
  },
  batchId: string,
  ingestedAt = INGESTED,
): CuratedRow => {
  const cents = (s: string) => Math.round(Number(s) * 100);
  const fmt = (c: number) => (c / 100).toFixed(2);
  const discount = fields.discount_amount ?? '0.00';
  return {
    source: 'shop',
    ...fields,
    order_ts: `${fields.order_date}T10:00:00.000Z`,
    discount_pct:
      discount === '0.00' ? '0.00' : fmt(Math.round((cents(discount) * 10000) / cents(fields.revenue))),
    discount_amount: discount,
    net_revenue: fmt(cents(fields.revenue) - cents(discount)),
    net_profit: fmt(cents(fields.profit) - cents(discount)),
    source_file: `https://shop.example/carts?page=1`,
    batch_id: batchId,
    ingested_at: ingestedAt,
  };
};
