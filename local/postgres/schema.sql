-- The reference schema of the PostgreSQL source: a shop's OLTP tables as the pipeline reads them.
-- The embedded stack applies it to PGlite; `npm start -- --source postgres` with PG* variables applies it
-- to a real PostgreSQL (every statement is IF NOT EXISTS / OR REPLACE). A shop's own schema may differ in
-- names (adapt the queries in shared/adapters/postgres-shop-database.ts), not in these rules:
--
-- * Every table has `updated_at timestamptz NOT NULL`, set on every change (the triggers below), indexed:
--   the extraction reads rows changed since its watermark less an overlap window.
-- * Orders, customers and products are deleted softly (`deleted_at`): a soft-deleted order is carried
--   as status `deleted`. A row deleted for real is never seen again by an incremental read.
-- * An order's items may be inserted, changed or deleted for real: each change touches its order's
--   `updated_at` (trigger `order_items_touch_order`), so the order is read again, whole, and the
--   warehouse drops the lines it no longer has.
-- * Money is NUMERIC(12,2) (read as text, to the cent); ids are BIGINT.

CREATE TABLE IF NOT EXISTS customers (
  id BIGINT PRIMARY KEY,
  first_name TEXT,
  last_name TEXT,
  email TEXT,
  address_line TEXT,
  city TEXT,
  state TEXT,
  country TEXT,
  postal_code TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  deleted_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS products (
  id BIGINT PRIMARY KEY,
  title TEXT NOT NULL,
  category TEXT,
  brand TEXT,
  unit_price NUMERIC(12,2) NOT NULL CHECK (unit_price >= 0),
  -- The shop's own unit cost, where it knows one; NULL: the pipeline's cost model applies.
  unit_cost NUMERIC(12,2) CHECK (unit_cost >= 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  deleted_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS orders (
  id BIGINT PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  status TEXT NOT NULL DEFAULT 'processing',
  channel TEXT,
  payment_method TEXT,
  ordered_at TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  deleted_at TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS order_items (
  order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line_no INTEGER NOT NULL CHECK (line_no > 0),
  product_id BIGINT NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  -- The price the line was sold at (not the product's current price).
  unit_price NUMERIC(12,2) NOT NULL CHECK (unit_price >= 0),
  discount_pct NUMERIC(5,2) NOT NULL DEFAULT 0 CHECK (discount_pct BETWEEN 0 AND 100),
  created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (order_id, line_no)
);

CREATE INDEX IF NOT EXISTS customers_updated_at ON customers (updated_at);
CREATE INDEX IF NOT EXISTS products_updated_at ON products (updated_at);
CREATE INDEX IF NOT EXISTS orders_updated_at ON orders (updated_at);
CREATE INDEX IF NOT EXISTS order_items_updated_at ON order_items (updated_at);

-- updated_at follows every change. clock_timestamp(), not now(): rows changed late in a long transaction
-- get a later time. Either way a row becomes visible only at COMMIT: the overlap window
-- (POSTGRES_OVERLAP_SECONDS) must be longer than the shop's longest writing transaction.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION touch_order_of_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orders SET updated_at = clock_timestamp()
  WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.order_id ELSE NEW.order_id END;
  RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER customers_set_updated_at BEFORE UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER products_set_updated_at BEFORE UPDATE ON products
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER orders_set_updated_at BEFORE UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER order_items_set_updated_at BEFORE UPDATE ON order_items
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE OR REPLACE TRIGGER order_items_touch_order AFTER INSERT OR UPDATE OR DELETE ON order_items
  FOR EACH ROW EXECUTE FUNCTION touch_order_of_item();
