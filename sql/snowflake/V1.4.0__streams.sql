-- Snowflake only. Change streams on the staging tables: what the loader COPYs in since a consumer last
-- read. One stream per MERGE target (a stream has one offset, and CUSTOMERS_LOAD feeds two targets).
-- Append-only: the loader only inserts into staging (its DELETE of a retried batch is not a change).
-- The tasks in R__tasks.sql consume them (load mode 'tasks'). In load mode 'loader' nothing reads them
-- and they go stale after the table's retention (14 days at most); recreate them before switching.
CREATE STREAM IF NOT EXISTS STAGING.CUSTOMERS_LOAD_DIM_CUSTOMER_STREAM
  ON TABLE STAGING.CUSTOMERS_LOAD APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS STAGING.CUSTOMERS_LOAD_DIM_ADDRESS_STREAM
  ON TABLE STAGING.CUSTOMERS_LOAD APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS STAGING.PRODUCTS_LOAD_DIM_PRODUCT_STREAM
  ON TABLE STAGING.PRODUCTS_LOAD APPEND_ONLY = TRUE;

CREATE STREAM IF NOT EXISTS STAGING.ORDER_LINES_LOAD_FACT_ORDER_LINES_STREAM
  ON TABLE STAGING.ORDER_LINES_LOAD APPEND_ONLY = TRUE;
