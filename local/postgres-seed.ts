/**
 * The reference schema (local/postgres/schema.sql) and a seeded shop in it: the generator's users,
 * products and carts as a shop's OLTP rows, deterministic by the shop's seed. Works on anything that
 * runs SQL with `$n` parameters: PGlite in process, or a `pg` client on a real PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FAKESTORE_DATES_FROM, type Shop } from './generator';

/** What the seeding needs of a database connection (PGlite and `pg.Client` both have it). */
export interface SqlRunner {
  /** Several statements, no parameters. */
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Path of the reference schema. */
export const SCHEMA_SQL = fileURLToPath(new URL('./postgres/schema.sql', import.meta.url));

/** Create the reference schema's tables, indexes and triggers where they do not exist. */
export async function applyReferenceSchema(db: SqlRunner): Promise<void> {
  await db.exec(readFileSync(SCHEMA_SQL, 'utf8'));
}

const STATUSES = ['completed', 'completed', 'completed', 'shipped', 'processing'] as const;
const CHANNELS = ['web', 'web', 'mobile', 'email', 'marketplace'] as const;
const PAYMENTS = ['card', 'card', 'paypal', 'bank_transfer'] as const;
const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

/** A JS number with at most 2 decimals (the generator's prices) as NUMERIC text. */
const numeric = (value: number): string => value.toFixed(2);

export interface SeedResult {
  customers: number;
  products: number;
  orders: number;
  items: number;
}

/**
 * Insert a generated shop (in one transaction) unless the database already holds orders: a real
 * database with data is never written to. Lines the reference schema's constraints refuse (an unknown
 * user or product, a quantity that is not positive: the generator's anomalies) are left out, so the
 * database holds exactly the valid lines `expectedTotals(shop)` counts. Order times, statuses,
 * channels and payment methods derive from the cart id (times as the FakeStore view dates them).
 */
export async function seedShop(db: SqlRunner, shop: Shop): Promise<SeedResult | undefined> {
  const existing = await db.query('SELECT count(*)::int AS n FROM orders');
  if (Number(existing.rows[0]?.n ?? 0) > 0) return undefined;
  const userIds = new Set(shop.users.map((u) => u.id));
  const productIds = new Set(shop.products.map((p) => p.id));
  const carts = shop.carts.filter((cart) => userIds.has(cart.userId));
  const items = carts.flatMap((cart) =>
    cart.products
      .filter((line) => productIds.has(line.id) && Number.isInteger(line.quantity) && line.quantity > 0)
      .map((line, index) => ({ cart, line, lineNo: index + 1 })),
  );
  await db.exec('BEGIN');
  try {
    await db.query(
      `INSERT INTO customers (id, first_name, last_name, email, address_line, city, state, country, postal_code)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`,
      [
        shop.users.map((u) => u.id),
        shop.users.map((u) => u.firstName),
        shop.users.map((u) => u.lastName),
        shop.users.map((u) => u.email),
        shop.users.map((u) => u.address.address),
        shop.users.map((u) => u.address.city),
        shop.users.map((u) => u.address.state),
        shop.users.map((u) => u.address.country),
        shop.users.map((u) => u.address.postalCode),
      ],
    );
    await db.query(
      `INSERT INTO products (id, title, category, brand, unit_price)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::numeric[])`,
      [
        shop.products.map((p) => p.id),
        shop.products.map((p) => p.title),
        shop.products.map((p) => p.category),
        shop.products.map((p) => p.brand ?? null),
        shop.products.map((p) => numeric(p.price)),
      ],
    );
    await db.query(
      `INSERT INTO orders (id, customer_id, status, channel, payment_method, ordered_at)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
      [
        carts.map((c) => c.id),
        carts.map((c) => c.userId),
        carts.map((c) => pick(STATUSES, c.id)),
        carts.map((c) => pick(CHANNELS, c.id * 7)),
        carts.map((c) => pick(PAYMENTS, c.id * 3)),
        carts.map((c) => orderedAt(c.id)),
      ],
    );
    await db.query(
      `INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price, discount_pct)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::int[], $5::numeric[], $6::numeric[])`,
      [
        items.map((i) => i.cart.id),
        items.map((i) => i.lineNo),
        items.map((i) => i.line.id),
        items.map((i) => i.line.quantity),
        items.map((i) => numeric(i.line.price)),
        items.map((i) => numeric(i.line.discountPercentage)),
      ],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK');
    throw error;
  }
  return {
    customers: shop.users.length,
    products: shop.products.length,
    orders: carts.length,
    items: items.length,
  };
}

/** When a cart was ordered: the FakeStore view's date of the same cart. */
export function orderedAt(cartId: number): string {
  return new Date(FAKESTORE_DATES_FROM + ((cartId * 2_654_435_761) % 2_592_000) * 1000).toISOString();
}
