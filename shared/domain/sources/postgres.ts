import { z } from 'zod';
import { DELETED_STATUS } from '../../constants';
import type { Entity, SourceDefinition, SourceOrderLine } from './source-definition';

/**
 * A shop's own PostgreSQL database (the reference schema in `local/postgres/schema.sql`), extracted
 * incrementally by ingest (`shared/stages/ingest-postgres.ts`) into raw parts of this shape:
 *
 * ```json
 * {"source_file": "postgres://db.internal:5432/shop/orders", "entity": "orders",
 *  "changed_since": "2026-11-26T02:55:00.000000Z", "records": [ ... ]}
 * ```
 *
 * Records are the rows as the extraction query selects them: ids and money as text (NUMERIC is never
 * read through a float), timestamps as ISO-8601 UTC with microseconds, and each order with all of its
 * current items. An order whose `deleted_at` is set (a soft delete) is carried with status `deleted`.
 * Customers and products keep their rows whatever their `deleted_at`: old orders still name them.
 */

/** The raw part ingest writes for one slice of an entity's changed rows. */
export const postgresPartSchema = z.object({
  source_file: z.string().min(1),
  entity: z.enum(['customers', 'products', 'orders']),
  /** The lower bound of `updated_at` the rows were read from (null: every row). */
  changed_since: z.string().nullable(),
  records: z.array(z.record(z.string(), z.unknown())),
});
export type PostgresPart = z.infer<typeof postgresPartSchema>;

const record = z.record(z.string(), z.unknown());
const asRecord = (raw: unknown): Record<string, unknown> => {
  const parsed = record.safeParse(raw);
  return parsed.success ? parsed.data : {};
};

/** The items of an order record (an array of objects; anything else: none). */
function itemsOf(order: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(order.items) ? order.items.map(asRecord) : [];
}

/** A soft-deleted order (its `deleted_at` is set) is `deleted`, whatever its status says. */
function statusOf(order: Record<string, unknown>): unknown {
  const deleted = order.deleted_at;
  return deleted !== undefined && deleted !== null && deleted !== '' ? DELETED_STATUS : order.status;
}

export const postgres: SourceDefinition = {
  name: 'postgres',
  kind: 'database',
  // Not URLs: the tables each entity is read from.
  paths: { customers: 'customers', products: 'products', orders: 'orders + order_items' },
  paging: 'none',

  recordsOf(entity: Entity, body: unknown) {
    const part = postgresPartSchema.parse(body);
    if (part.entity !== entity) throw new Error(`part holds ${part.entity}, not ${entity}`);
    return { records: part.records };
  },

  mapCustomer(raw) {
    const row = asRecord(raw);
    return {
      customer_id: row.id,
      first_name: row.first_name,
      last_name: row.last_name,
      email: row.email,
      address_line: row.address_line,
      city: row.city,
      state: row.state,
      country: row.country,
      postal_code: row.postal_code,
      raw,
    };
  },

  mapProduct(raw) {
    const row = asRecord(raw);
    return {
      product_id: row.id,
      title: row.title,
      category: row.category,
      brand: row.brand,
      unit_price: row.unit_price,
      unit_cost: row.unit_cost,
      raw,
    };
  },

  mapOrder(raw) {
    const order = asRecord(raw);
    const { items: _items, ...header } = order;
    const status = statusOf(order);
    return itemsOf(order).map(
      (item): SourceOrderLine => ({
        order_id: order.id,
        line_no: typeof item.line_no === 'number' ? item.line_no : Number.NaN,
        order_ts: order.ordered_at,
        status,
        customer_id: order.customer_id,
        product_id: item.product_id,
        quantity: item.quantity,
        unit_price: item.unit_price,
        discount_pct: item.discount_pct,
        channel: order.channel,
        payment_method: order.payment_method,
        raw: { order: header, item },
      }),
    );
  },

  mapOrderSnapshot(raw) {
    const order = asRecord(raw);
    return { order_id: order.id, line_count: itemsOf(order).length };
  },
};
