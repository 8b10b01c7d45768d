-- Layers of the warehouse. Portable: runs on Snowflake and on DuckDB (the local stand-in).
-- RAW: records as received (VARIANT; Snowflake's optional Snowpipe, sql/snowflake/optional/).
-- STAGING: typed loads of one batch and the rejected rows. ANALYTICS: dimensions, the fact, the views.
-- OPS: the load audit and the migration history.
CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS ANALYTICS;
CREATE SCHEMA IF NOT EXISTS OPS;
