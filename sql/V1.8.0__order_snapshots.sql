-- The orders a batch carries whole (the PostgreSQL source extracts each changed order with every line
-- it has now). The loader stages them here, then deletes the fact lines of those orders that the batch
-- no longer has (shared/domain/load-statements.ts, replaceOrderLinesStatement): a line removed at the
-- source leaves ANALYTICS.FACT_ORDER_LINES too. Portable: Snowflake and DuckDB.
CREATE TABLE IF NOT EXISTS STAGING.ORDERS_LOAD (
  source VARCHAR NOT NULL,
  order_id VARCHAR NOT NULL,
  line_count INTEGER NOT NULL,
  batch_id VARCHAR NOT NULL,
  ingested_at TIMESTAMP NOT NULL
);
