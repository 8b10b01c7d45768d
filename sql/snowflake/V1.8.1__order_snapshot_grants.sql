-- Snowflake only. V1.5.0 granted on the tables that existed then: the loader stages order snapshots
-- (STAGING.ORDERS_LOAD, V1.8.0) and deletes the fact lines their orders no longer have.
GRANT SELECT, INSERT, DELETE ON TABLE STAGING.ORDERS_LOAD TO ROLE {{ loader_role }};
GRANT DELETE ON TABLE ANALYTICS.FACT_ORDER_LINES TO ROLE {{ loader_role }};
