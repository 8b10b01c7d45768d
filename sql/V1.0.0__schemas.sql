-- Layers of the warehouse. Portable: runs on Snowflake and on DuckDB (the local stand-in).
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS ANALYTICS;
CREATE SCHEMA IF NOT EXISTS OPS;
