-- Typed tables. Column names match the curated Parquet columns (COPY ... MATCH_BY_COLUMN_NAME).
-- Money is DECIMAL(12,2); timestamps are UTC (TIMESTAMP = TIMESTAMP_NTZ on Snowflake).
-- Portable: runs on Snowflake and on DuckDB.

CREATE TABLE IF NOT EXISTS STAGING.ORDER_LINES_LOAD (
  source VARCHAR NOT NULL,
  order_id VARCHAR NOT NULL,
  line_no INTEGER NOT NULL,
  order_ts TIMESTAMP NOT NULL,
  order_date DATE NOT NULL,
  status VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  discount_pct DECIMAL(5,2) NOT NULL,
  revenue DECIMAL(12,2) NOT NULL,
  discount_amount DECIMAL(12,2) NOT NULL,
  net_revenue DECIMAL(12,2) NOT NULL,
  unit_cost DECIMAL(12,2) NOT NULL,
  cost DECIMAL(12,2) NOT NULL,
  profit DECIMAL(12,2) NOT NULL,
  net_profit DECIMAL(12,2) NOT NULL,
  channel VARCHAR,
  payment_method VARCHAR,
  source_file VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS STAGING.CUSTOMERS_LOAD (
  source VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  first_name VARCHAR,
  last_name VARCHAR,
  email VARCHAR,
  address_line VARCHAR,
  city VARCHAR,
  state VARCHAR,
  country VARCHAR,
  postal_code VARCHAR,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS STAGING.PRODUCTS_LOAD (
  source VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  title VARCHAR,
  category VARCHAR,
  brand VARCHAR,
  unit_price DECIMAL(12,2) NOT NULL,
  unit_cost DECIMAL(12,2) NOT NULL,
  cost_source VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS STAGING.ORDER_REJECTS (
  source VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  record_type VARCHAR NOT NULL,
  reason_code VARCHAR NOT NULL,
  reason_codes VARCHAR NOT NULL,
  reason_detail VARCHAR NOT NULL,
  raw_record VARCHAR NOT NULL,
  record_key VARCHAR,
  source_file VARCHAR NOT NULL,
  source_line INTEGER,
  ingested_at TIMESTAMP NOT NULL
);

-- Dimensions and the fact: MERGEd on their natural keys (shared/domain/load-statements.ts), so a
-- replayed batch or two batches sharing rows leave them unchanged. Keys are declared for readers and
-- for DuckDB; Snowflake records but does not enforce them.
CREATE TABLE IF NOT EXISTS ANALYTICS.DIM_CUSTOMER (
  source VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  first_name VARCHAR,
  last_name VARCHAR,
  email VARCHAR,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, customer_id)
);

-- The customer's current address (the sources give one per customer): geography for the views.
CREATE TABLE IF NOT EXISTS ANALYTICS.DIM_ADDRESS (
  source VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  address_line VARCHAR,
  city VARCHAR,
  state VARCHAR,
  country VARCHAR,
  postal_code VARCHAR,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, customer_id)
);

CREATE TABLE IF NOT EXISTS ANALYTICS.DIM_PRODUCT (
  source VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  title VARCHAR,
  category VARCHAR,
  brand VARCHAR,
  unit_price DECIMAL(12,2) NOT NULL,
  unit_cost DECIMAL(12,2) NOT NULL,
  cost_source VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, product_id)
);

CREATE TABLE IF NOT EXISTS ANALYTICS.FACT_ORDER_LINES (
  source VARCHAR NOT NULL,
  order_id VARCHAR NOT NULL,
  line_no INTEGER NOT NULL,
  order_ts TIMESTAMP NOT NULL,
  order_date DATE NOT NULL,
  status VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  discount_pct DECIMAL(5,2) NOT NULL,
  revenue DECIMAL(12,2) NOT NULL,
  discount_amount DECIMAL(12,2) NOT NULL,
  net_revenue DECIMAL(12,2) NOT NULL,
  unit_cost DECIMAL(12,2) NOT NULL,
  cost DECIMAL(12,2) NOT NULL,
  profit DECIMAL(12,2) NOT NULL,
  net_profit DECIMAL(12,2) NOT NULL,
  channel VARCHAR,
  payment_method VARCHAR,
  source_file VARCHAR NOT NULL,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, order_id, line_no)
);

-- One row per loaded batch, written in the load's transaction: the loader skips a batch found here.
-- load_mode: 'loader' (MERGEd by the loader) or 'tasks' (staged; Snowflake tasks MERGE from streams).
-- OPS.SCHEMA_MIGRATIONS (the migration history) is created by the runner itself, before any script.
CREATE TABLE IF NOT EXISTS OPS.LOAD_AUDIT (
  batch_id VARCHAR NOT NULL PRIMARY KEY,
  manifest_key VARCHAR NOT NULL,
  load_mode VARCHAR NOT NULL,
  order_lines INTEGER NOT NULL,
  customers INTEGER NOT NULL,
  products INTEGER NOT NULL,
  rejects INTEGER NOT NULL,
  loaded_at TIMESTAMP NOT NULL
);
